"""End-to-end flow with confluent-kafka-python 1.7 (librdkafka 2.0.2) against one broker.

Usage: confluent_flow.py '{"bootstrap": "127.0.0.1:9092", "topic": "name", "codec": "zstd"}'

One flow through a topic's life: create it with configs, describe and alter them, add partitions,
write every partition with an acks=all producer, read it back with a consumer that uses assign()
and seek() (no group membership), look offsets up by time, delete the topic. (Error paths of the
admin APIs are covered by apps/broker/src/handlers/admin-python.test.ts.) The script only drives
the client and prints what it observed as one JSON object on its last line; the TypeScript test
makes the assertions. Every wait is bounded so a broker bug cannot hang it.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic

arg = json.loads(sys.argv[1])
bootstrap = arg["bootstrap"]
topic = arg["topic"]
codec = arg.get("codec", "none")
per_partition = arg.get("perPartition", 40)
report = {}
common = {"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000}


def outcome(futures, timeout=15):
    """Maps each future's key to None (success) or the error text."""
    out = {}
    for key, fut in futures.items():
        try:
            fut.result(timeout=timeout)
            out[str(key)] = None
        except KafkaException as e:
            err = e.args[0]
            out[str(key)] = "%s: %s" % (err.name(), err.str())
        except Exception as e:  # a client-side timeout or validation error
            out[str(key)] = "%s: %s" % (type(e).__name__, e)
    return out


def partitions_of(admin, name):
    md = admin.list_topics(timeout=10)
    t = md.topics.get(name)
    if t is None or t.error is not None:
        return None
    return sorted(t.partitions.keys())


def source_name(source):
    """librdkafka's config source as Kafka's name (DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...)."""
    try:
        return ConfigSource(source).name
    except ValueError:
        return str(source)


def configs_of(admin, name):
    res = ConfigResource("topic", name)
    entries = admin.describe_configs([res])[res].result(timeout=15)
    return {
        k: {"value": v.value, "source": source_name(v.source), "isDefault": v.is_default, "readOnly": v.is_read_only}
        for k, v in entries.items()
    }


admin = AdminClient(dict(common))

# --- admin: create, list, describe, alter, add partitions -----------------------------------
report["create"] = outcome(admin.create_topics(
    [NewTopic(topic, num_partitions=3, replication_factor=1,
              config={"retention.ms": "3600000", "cleanup.policy": "delete"})],
    operation_timeout=10))
report["partitionsAfterCreate"] = partitions_of(admin, topic)
report["brokers"] = sorted(b.id for b in admin.list_topics(timeout=10).brokers.values())

cfg = configs_of(admin, topic)
report["describe"] = {k: cfg.get(k) for k in ("retention.ms", "cleanup.policy", "segment.bytes", "max.message.bytes")}
report["describeCount"] = len(cfg)

res = ConfigResource("topic", topic, set_config={"retention.ms": "7200000", "max.message.bytes": "2000000"})
report["alter"] = outcome(admin.alter_configs([res]))
cfg = configs_of(admin, topic)
report["describeAfterAlter"] = {k: cfg.get(k) for k in ("retention.ms", "cleanup.policy", "max.message.bytes")}

report["createPartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 5)]))
deadline = time.time() + 10
while time.time() < deadline and partitions_of(admin, topic) != [0, 1, 2, 3, 4]:
    time.sleep(0.2)
report["partitionsAfterAdd"] = partitions_of(admin, topic)

# --- producer, acks=all ------------------------------------------------------------------------
producer = Producer(dict(common, **{
    "acks": "all",
    "compression.codec": codec,
    "linger.ms": 5,
    "message.timeout.ms": 15000,
}))
delivered = []
errors = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append([msg.partition(), msg.offset()])


sent = 0
# Explicit create times one second apart (starting an hour ago), so offsets_for_times has distinct
# timestamps to choose between.
base_ts = int(time.time() * 1000) - 3600 * 1000
for p in range(5):
    for i in range(per_partition):
        producer.produce(topic, key=("k%d-%d" % (p, i)).encode(), value=("v%d-%d" % (p, i)).encode(),
                         partition=p, headers=[("p", str(p).encode()), ("i", str(i).encode())],
                         timestamp=base_ts + i * 1000, on_delivery=on_delivery)
        sent += 1
    producer.poll(0)
report["unflushed"] = producer.flush(20)
report["sent"] = sent
report["delivered"] = len(delivered)
report["deliveryErrors"] = errors[:5]
report["maxOffsetByPartition"] = {str(p): max([o for (pp, o) in delivered if pp == p], default=-1) for p in range(5)}

# --- consumer: assign + seek, no group membership ------------------------------------------------
consumer = Consumer(dict(common, **{
    "group.id": "compat-unused",  # required by the client; assign() never joins the group
    "enable.auto.commit": False,
    "enable.partition.eof": False,
}))
lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
report["watermarks0"] = [lo, hi]
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(5)])
got = []
deadline = time.time() + 20
while len(got) < sent and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is None:
        continue
    if m.error():
        report.setdefault("consumeErrors", []).append(str(m.error()))
        continue
    got.append({"p": m.partition(), "o": m.offset(), "k": m.key().decode(), "v": m.value().decode(),
                "h": [[k, v.decode()] for (k, v) in (m.headers() or [])], "ts": m.timestamp()[1]})
report["consumed"] = got

# Seek partition 0 back to offset 10: the next message of partition 0 must be offset 10.
consumer.seek(TopicPartition(topic, 0, 10))
after_seek = None
deadline = time.time() + 10
while after_seek is None and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is not None and not m.error() and m.partition() == 0:
        after_seek = [m.offset(), m.value().decode()]
report["afterSeek"] = after_seek

# Offsets by timestamp: half a second after partition 1's 5th message (offset 4) comes offset 5.
found = consumer.offsets_for_times([TopicPartition(topic, 1, base_ts + 4500)], timeout=10)[0]
report["offsetForTime"] = found.offset
found = consumer.offsets_for_times([TopicPartition(topic, 1, base_ts + per_partition * 1000)], timeout=10)[0]
report["offsetForLaterTime"] = found.offset
consumer.close()

# --- delete ----------------------------------------------------------------------------------
report["delete"] = outcome(admin.delete_topics([topic], operation_timeout=10))
deadline = time.time() + 10
while time.time() < deadline and partitions_of(admin, topic) is not None:
    time.sleep(0.2)
report["partitionsAfterDelete"] = partitions_of(admin, topic)

print(json.dumps(report))
