#!/usr/bin/env python3
"""A confluent-kafka (librdkafka 2.0.2) transactional producer or reader, driven by the broker's transaction tests.

Argument (JSON), one of two modes:

  {"mode": "produce", "bootstrap", "transactionalId", "transactionTimeoutMs"?, "ops": [...]}
      init_transactions, then each op in order:
        {"op": "begin"}
        {"op": "produce", "topic", "partition", "values": [...]}     produce, then flush
        {"op": "send_offsets", "group", "offsets": [[topic, partition, offset], ...]}
        {"op": "commit"} | {"op": "abort"}
        {"op": "pause"}                                              wait for a line on stdin
      Reports {"event": "initialized"}, {"event": "ok", "op"} after each op, and on the first failure
      {"event": "error", "op", "code", "error", "fatal", "abortable", "retriable"}, then stops.

  {"mode": "read", "bootstrap", "topics": [...], "isolation": "read_committed" | "read_uncommitted",
   "until": [values...], "timeoutMs"?}
      Reads the topics from the beginning in a fresh group until every value of "until" was seen.
      Reports {"event": "read", "values": [...]} or {"event": "timeout", "values": [...]}.

Every report is one JSON object per stdout line. The script only drives the client; the test asserts.
"""
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

ARGS = json.loads(sys.argv[1])
TIMEOUT_S = 20


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def report_error(op, exc):
    err = exc.args[0] if exc.args else None
    if err is None or not hasattr(err, "name"):
        emit(event="error", op=op, code="UNKNOWN", error=str(exc), fatal=False, abortable=False, retriable=False)
        return
    emit(event="error", op=op, code=err.name(), error=err.str(), fatal=err.fatal(), abortable=err.txn_requires_abort(), retriable=err.retriable())


def produce_mode():
    failures = []
    producer = Producer(
        {
            "bootstrap.servers": ARGS["bootstrap"],
            "transactional.id": ARGS["transactionalId"],
            "transaction.timeout.ms": ARGS.get("transactionTimeoutMs", 60000),
            "linger.ms": 0,
            "error_cb": lambda err: emit(event="client_error", error=str(err)),
        }
    )
    try:
        producer.init_transactions(TIMEOUT_S)
    except KafkaException as exc:
        report_error("init", exc)
        return
    emit(event="initialized")
    for op in ARGS["ops"]:
        name = op["op"]
        try:
            if name == "begin":
                producer.begin_transaction()
            elif name == "produce":
                for value in op["values"]:
                    producer.produce(op["topic"], value=value.encode(), partition=op["partition"], on_delivery=lambda err, msg: err and failures.append(str(err)))
                producer.flush(TIMEOUT_S)
                if failures:
                    emit(event="error", op=name, code="DELIVERY", error="; ".join(failures), fatal=False, abortable=True, retriable=False)
                    return
            elif name == "send_offsets":
                group = Consumer({"bootstrap.servers": ARGS["bootstrap"], "group.id": op["group"]})
                try:
                    offsets = [TopicPartition(t, p, o) for t, p, o in op["offsets"]]
                    producer.send_offsets_to_transaction(offsets, group.consumer_group_metadata(), TIMEOUT_S)
                finally:
                    group.close()
            elif name == "commit":
                producer.commit_transaction(TIMEOUT_S)
            elif name == "abort":
                producer.abort_transaction(TIMEOUT_S)
            elif name == "pause":
                sys.stdin.readline()
            else:
                raise ValueError("unknown op " + name)
        except KafkaException as exc:
            report_error(name, exc)
            return
        emit(event="ok", op=name)


def read_mode():
    consumer = Consumer(
        {
            "bootstrap.servers": ARGS["bootstrap"],
            "group.id": "txn-reader-" + uuid.uuid4().hex,
            "isolation.level": ARGS["isolation"],
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(ARGS["topics"])
    wanted = set(ARGS["until"])
    values = []
    deadline = time.time() + ARGS.get("timeoutMs", 20000) / 1000
    try:
        while not wanted.issubset(values):
            if time.time() > deadline:
                emit(event="timeout", values=values)
                return
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            values.append(msg.value().decode())
        emit(event="read", values=values)
    finally:
        consumer.close()


if __name__ == "__main__":
    if ARGS["mode"] == "produce":
        produce_mode()
    else:
        read_mode()
