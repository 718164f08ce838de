"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2) on a secured listener.

Usage: /usr/bin/python3 security_confluent.py '{"bootstrap": "127.0.0.1:9093", "topic": "t",
  "config": {"security.protocol": "SASL_SSL", ...}, "count": 3}'

Produces `count` records, reads them back with a group consumer, and prints what it observed as one
JSON object on its last line ({"values": [...]} or {"error": "<librdkafka error name>", "message": ...});
security/python.clients.test.ts asserts.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer

arg = json.loads(sys.argv[1])
config = dict(arg["config"], **{"bootstrap.servers": arg["bootstrap"], "socket.timeout.ms": 10000})
errors = []


def on_error(err):
    errors.append(err)


producer = Producer(dict(config, **{"error_cb": on_error, "message.timeout.ms": 10000}))
delivered = []
for i in range(arg["count"]):
    producer.produce(arg["topic"], key=b"k%d" % i, value=b"v%d" % i, on_delivery=lambda err, msg: delivered.append(err))
# Poll rather than flush: a refused login shows as an error callback long before delivery times out.
deadline = time.time() + 12
while len(delivered) < arg["count"] and time.time() < deadline and not any(e.code() == KafkaError._AUTHENTICATION for e in errors):
    producer.poll(0.1)
remaining = len(producer)
auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
if auth:
    print(json.dumps({"error": auth[0].name(), "message": auth[0].str()}))
    sys.exit(0)
if remaining or any(delivered):
    print(json.dumps({"error": "delivery", "message": str([str(e) for e in delivered if e] or errors)}))
    sys.exit(0)

consumer = Consumer(dict(config, **{"group.id": arg["topic"] + "-g", "auto.offset.reset": "earliest", "error_cb": on_error}))
consumer.subscribe([arg["topic"]])
values = []
deadline = time.time() + 20
while len(values) < arg["count"] and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    values.append(msg.value().decode())
consumer.close()
print(json.dumps({"values": values}))
