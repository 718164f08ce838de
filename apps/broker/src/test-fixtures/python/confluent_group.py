#!/usr/bin/env python3
"""A consumer group of confluent-kafka (librdkafka 2.0.2) consumers, driven by the broker's group tests.

Argument (JSON): {"bootstrap", "group", "topics": [...], "strategy", "members": [{"name", "instanceId"?}],
"sessionTimeoutMs"?, "heartbeatIntervalMs"?}.

Reports one JSON object per stdout line:
  {"event": "assigned" | "revoked" | "lost", "member", "partitions": [[topic, p], ...], "owned": [[topic, p], ...]}
  {"event": "message", "member", "topic", "partition", "offset", "value"}
  {"event": "closed", "member"}, {"event": "error", "member", "error"}
Reads commands as JSON lines on stdin:
  {"cmd": "add", "member": {"name", "instanceId"?}}   start another member
  {"cmd": "close", "member": name}                     close one member (commits, leaves unless static)
EOF on stdin closes every member and exits. The script only drives the client; the test asserts.
"""
import json
import queue
import sys
import threading

from confluent_kafka import Consumer

ARGS = json.loads(sys.argv[1])
OUT = threading.Lock()


def emit(**event):
    with OUT:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def tps(partitions):
    return sorted([tp.topic, tp.partition] for tp in partitions)


class Member:
    def __init__(self, spec):
        self.name = spec["name"]
        self.owned = set()
        conf = {
            "bootstrap.servers": ARGS["bootstrap"],
            "group.id": ARGS["group"],
            "client.id": self.name,
            "partition.assignment.strategy": ARGS["strategy"],
            "session.timeout.ms": ARGS.get("sessionTimeoutMs", 6000),
            "heartbeat.interval.ms": ARGS.get("heartbeatIntervalMs", 300),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
            "auto.commit.interval.ms": 500,
            "topic.metadata.refresh.interval.ms": 1000,
            "error_cb": lambda err: emit(event="error", member=self.name, error=str(err)),
        }
        if spec.get("instanceId"):
            conf["group.instance.id"] = spec["instanceId"]
        self.consumer = Consumer(conf)
        self.consumer.subscribe(ARGS["topics"], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_lost)

    # With the cooperative protocol the callbacks carry only the partitions added or taken away;
    # with the eager one, the whole assignment. Either way `owned` is what the member holds after.
    def on_assign(self, consumer, partitions):
        self.owned |= {tuple(tp) for tp in tps(partitions)}
        emit(event="assigned", member=self.name, partitions=tps(partitions), owned=sorted(list(t) for t in self.owned))

    def on_revoke(self, consumer, partitions):
        self.owned -= {tuple(tp) for tp in tps(partitions)}
        emit(event="revoked", member=self.name, partitions=tps(partitions), owned=sorted(list(t) for t in self.owned))

    def on_lost(self, consumer, partitions):
        self.owned -= {tuple(tp) for tp in tps(partitions)}
        emit(event="lost", member=self.name, partitions=tps(partitions), owned=sorted(list(t) for t in self.owned))

    def poll(self):
        msg = self.consumer.poll(0.02)
        if msg is None:
            return
        if msg.error():
            emit(event="error", member=self.name, error=str(msg.error()))
            return
        value = msg.value().decode() if msg.value() is not None else None
        emit(event="message", member=self.name, topic=msg.topic(), partition=msg.partition(), offset=msg.offset(), value=value)

    def close(self):
        self.consumer.close()
        emit(event="closed", member=self.name)


def read_commands(q):
    for line in sys.stdin:
        line = line.strip()
        if line:
            q.put(json.loads(line))
    q.put(None)


def main():
    members = {spec["name"]: Member(spec) for spec in ARGS["members"]}
    commands = queue.Queue()
    threading.Thread(target=read_commands, args=(commands,), daemon=True).start()
    while True:
        try:
            cmd = commands.get_nowait()
        except queue.Empty:
            cmd = False
        if cmd is None:
            break
        if cmd:
            if cmd["cmd"] == "add":
                members[cmd["member"]["name"]] = Member(cmd["member"])
            elif cmd["cmd"] == "close":
                members.pop(cmd["member"]).close()
        for member in list(members.values()):
            member.poll()
    for member in members.values():
        member.close()


if __name__ == "__main__":
    main()
