"""kafka-python 2.0.2 (Debian python3-kafka) on a secured listener: SaslHandshake v0, then raw SASL tokens.

Usage: /usr/bin/python3 security_kafka_python.py '{"bootstrap": "127.0.0.1:9093", "topic": "t",
  "securityProtocol": "SASL_PLAINTEXT", "mechanism": "SCRAM-SHA-256", "username": "u", "password": "p",
  "caFile": null, "count": 3}'

Produces `count` records with acks=all, reads them back with a group-less consumer, and prints what
it observed as one JSON object on its last line ({"values": [...]} or {"error": "<class name>"});
security/python.clients.test.ts asserts.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

arg = json.loads(sys.argv[1])
common = {
    "bootstrap_servers": arg["bootstrap"],
    "security_protocol": arg["securityProtocol"],
    "request_timeout_ms": 10000,
    "api_version_auto_timeout_ms": 4000,
}
if arg.get("mechanism"):
    common.update(sasl_mechanism=arg["mechanism"], sasl_plain_username=arg["username"], sasl_plain_password=arg["password"])
if arg.get("caFile"):
    common.update(ssl_cafile=arg["caFile"], ssl_check_hostname=True)

try:
    producer = KafkaProducer(acks="all", **common)
    for i in range(arg["count"]):
        producer.send(arg["topic"], key=b"k%d" % i, value=b"v%d" % i).get(timeout=10)
    producer.close()

    consumer = KafkaConsumer(enable_auto_commit=False, consumer_timeout_ms=5000, **common)
    tp = TopicPartition(arg["topic"], 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    values = []
    for record in consumer:
        values.append(record.value.decode())
        if len(values) == arg["count"]:
            break
    consumer.close()
    print(json.dumps({"values": values, "inferredVersion": list(producer.config["api_version"])}))
except (KafkaError, AssertionError) as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
