#!/usr/bin/env python3
"""A consumer group of kafka-python 2.0.2 consumers (each in its own thread), driven by the broker's group tests.

Argument (JSON): {"bootstrap", "group", "topic", "members": [name, ...], "strategy": "range" | "roundrobin"}.

Reports one JSON object per stdout line:
  {"event": "assigned", "member", "partitions": [[topic, p], ...]}   whenever a member's assignment changes
  {"event": "message", "member", "topic", "partition", "offset", "value"}
  {"event": "closed", "member"}, {"event": "error", "member", "error"}
Reads commands as JSON lines on stdin: {"cmd": "close", "member": name} (commits, leaves the group).
EOF on stdin closes every member and exits.
"""
import json
import sys
import threading

from kafka import KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

ARGS = json.loads(sys.argv[1])
OUT = threading.Lock()
ASSIGNORS = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}


def emit(**event):
    with OUT:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def run(name, stop):
    try:
        consumer = KafkaConsumer(
            ARGS["topic"],
            bootstrap_servers=ARGS["bootstrap"],
            group_id=ARGS["group"],
            client_id=name,
            auto_offset_reset="earliest",
            enable_auto_commit=True,
            auto_commit_interval_ms=500,
            session_timeout_ms=6000,
            heartbeat_interval_ms=300,
            metadata_max_age_ms=1000,
            partition_assignment_strategy=[ASSIGNORS[ARGS.get("strategy", "range")]],
        )
        last = None
        while not stop.is_set():
            batches = consumer.poll(timeout_ms=50)
            current = sorted([tp.topic, tp.partition] for tp in consumer.assignment())
            if current != last:
                last = current
                emit(event="assigned", member=name, partitions=current)
            for records in batches.values():
                for r in records:
                    emit(event="message", member=name, topic=r.topic, partition=r.partition, offset=r.offset, value=r.value.decode())
        consumer.close()
        emit(event="closed", member=name)
    except Exception as err:  # reported, so the test shows the client's own words
        emit(event="error", member=name, error=repr(err))


def main():
    stops = {name: threading.Event() for name in ARGS["members"]}
    threads = {name: threading.Thread(target=run, args=(name, stop)) for name, stop in stops.items()}
    for t in threads.values():
        t.start()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd["cmd"] == "close":
            stops[cmd["member"]].set()
            threads[cmd["member"]].join()
    for stop in stops.values():
        stop.set()
    for t in threads.values():
        t.join()


if __name__ == "__main__":
    main()
