"""End-to-end flow with kafka-python 2.0.2 (Debian python3-kafka) against one broker.

Usage: kafka_python_flow.py '{"phase": "data"|"admin", "bootstrap": "127.0.0.1:9092",
                              "topic": "prefix", "codecs": ["gzip", ...]}'

Phase "data": the admin client creates one topic per codec (with a config), an acks=all producer
writes keyed records with headers to each with that codec, and a consumer without a group
(group_id=None, assign + seek) reads them back. Phase "admin" (run after the test has looked at the
stored batches): a lowered max.message.bytes refuses a large record, added partitions are written
and read, and the topics are deleted. (Error paths of the admin APIs themselves are covered by
apps/broker/src/handlers/admin-python.test.ts.)
The script prints what it observed as one JSON object on its last line; the TypeScript test asserts.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import KafkaError

arg = json.loads(sys.argv[1])
bootstrap = arg["bootstrap"]
prefix = arg["topic"]
codecs = arg["codecs"]
per_topic = arg.get("perTopic", 60)
report = {}


def topic_for(codec):
    return "%s-%s" % (prefix, codec)


def errors_of(response, array, name_field, error_field):
    """{name: error_code} from an admin response's per-resource array."""
    obj = response.to_object()
    return {str(item[name_field]): item[error_field] for item in obj[array]}


phase = arg["phase"]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kafka-python", request_timeout_ms=10000)
report["apiVersion"] = list(admin.config["api_version"])

topics = [topic_for(c) for c in codecs]


def data_phase():
    response = admin.create_topics(
        [NewTopic(t, num_partitions=2, replication_factor=1, topic_configs={"retention.ms": "3600000"}) for t in topics],
        timeout_ms=10000)
    report["create"] = errors_of(response, "topic_errors", "topic", "error_code")
    try:
        again = admin.create_topics([NewTopic(topics[0], num_partitions=2, replication_factor=1)], timeout_ms=10000)
        report["createAgain"] = errors_of(again, "topic_errors", "topic", "error_code")
    except KafkaError as e:  # kafka-python raises the first topic error of a controller request
        report["createAgain"] = {"raised": type(e).__name__, "errno": e.errno}
    listed = admin.list_topics()
    report["listed"] = sorted(t for t in listed if t.startswith(prefix))

    # --- producer, acks=all, one codec per topic -------------------------------------------------
    produced = {}
    # Explicit create times one second apart (from an hour ago), for offsets_for_times.
    base_ts = int(time.time() * 1000) - 3600 * 1000
    for codec in codecs:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                 compression_type=None if codec == "none" else codec,
                                 linger_ms=5, request_timeout_ms=10000, max_block_ms=10000)
        futures = []
        for i in range(per_topic):
            futures.append(producer.send(topic_for(codec), key=("key-%d" % i).encode(),
                                         value=(("%s value %d " % (codec, i)) * 8).encode(),
                                         headers=[("codec", codec.encode()), ("n", str(i).encode())],
                                         partition=i % 2, timestamp_ms=base_ts + i * 1000))
        producer.flush(timeout=15)
        offsets = []
        for f in futures:
            md = f.get(timeout=15)
            offsets.append([md.partition, md.offset])
        produced[codec] = offsets
        producer.close(timeout=5)
    report["produced"] = produced

    # --- consumer without a group: assign, seek_to_beginning, seek -------------------------------------
    consumed = {}
    for codec in codecs:
        t = topic_for(codec)
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", fetch_max_wait_ms=100)
        tps = [TopicPartition(t, 0), TopicPartition(t, 1)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        got = []
        deadline = time.time() + 20
        while len(got) < per_topic and time.time() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for r in records:
                    got.append({"p": r.partition, "o": r.offset, "k": r.key.decode(), "v": r.value.decode(),
                                "h": [[k, v.decode()] for (k, v) in r.headers], "ts": r.timestamp})
        entry = {"records": got}
        entry["end"] = {str(tp.partition): o for tp, o in consumer.end_offsets(tps).items()}
        entry["beginning"] = {str(tp.partition): o for tp, o in consumer.beginning_offsets(tps).items()}
        # Half a second before record 6, the 4th of partition 0 (offset 3).
        found = consumer.offsets_for_times({tps[0]: base_ts + 5500})[tps[0]]
        entry["offsetForTime"] = None if found is None else found.offset
        entry["baseTimestamp"] = base_ts
        consumer.seek(tps[0], 5)
        after = None
        deadline = time.time() + 10
        while after is None and time.time() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                if tp.partition == 0 and records and after is None:
                    after = [records[0].offset, records[0].key.decode()]
        entry["afterSeek"] = after
        consumer.close()
        consumed[codec] = entry
    report["consumed"] = consumed


# --- admin phase: a config change the producer feels, growth the producer and consumer use, delete ---
def admin_phase():
    topic = topics[0]
    alter = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": "1000"})])
    report["alter"] = [r["error_code"] for r in alter.to_object()["resources"]]

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0, retries=0,
                             request_timeout_ms=10000, max_block_ms=10000)
    try:
        producer.send(topic, value=b"x" * 5000, partition=0).get(timeout=15)
        report["oversized"] = "accepted"
    except KafkaError as e:
        report["oversized"] = type(e).__name__

    cp = admin.create_partitions({topic: NewPartitions(total_count=4)}, timeout_ms=10000)
    report["createPartitions"] = errors_of(cp, "topic_errors", "topic", "error_code")
    # The producer learns about the new partitions from its next metadata refresh.
    deadline = time.time() + 10
    while time.time() < deadline and len(producer.partitions_for(topic) or []) < 4:
        producer._metadata.request_update()
        time.sleep(0.2)
    report["producerPartitions"] = sorted(producer.partitions_for(topic) or [])
    md = producer.send(topic, key=b"grown", value=b"in partition 3", partition=3).get(timeout=15)
    report["grownWrite"] = [md.partition, md.offset]
    producer.close(timeout=5)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=100)
    consumer.assign([TopicPartition(topic, 3)])
    got = []
    deadline = time.time() + 10
    while not got and time.time() < deadline:
        for tp, records in consumer.poll(timeout_ms=500).items():
            got.extend([r.offset, r.key.decode(), r.value.decode()] for r in records)
    report["grownRead"] = got
    consumer.close()

    report["delete"] = errors_of(admin.delete_topics(topics, timeout_ms=10000), "topic_error_codes", "topic", "error_code")
    deadline = time.time() + 10
    remaining = topics
    while time.time() < deadline:
        remaining = [t for t in admin.list_topics() if t in topics]
        if not remaining:
            break
        time.sleep(0.2)
    report["remainingAfterDelete"] = remaining


if phase == "data":
    data_phase()
else:
    admin_phase()
admin.close()

print(json.dumps(report))
