"""Topic administration with confluent-kafka 1.7.0 (librdkafka 2.0.2) AdminClient.

Usage: /usr/bin/python3 confluent_admin.py '{"bootstrap": "127.0.0.1:9092", "prefix": "t", "nodeId": 1}'

Creates topics with configs (and checks the refusals), describes topic and broker configs,
replaces a topic's configs with AlterConfigs, adds partitions, lists and deletes topics. Prints
what it observed as one JSON object on its last line; admin-python.test.ts asserts.
"""
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

arg = json.loads(sys.argv[1])
prefix = arg["prefix"]
topic = prefix + "-main"
report = {}

admin = AdminClient({"bootstrap.servers": arg["bootstrap"], "client.id": "h9-confluent"})


def outcome(futures):
    """{key: "ok" or the Kafka error name} for a dict of futures."""
    out = {}
    for key, f in futures.items():
        try:
            f.result(timeout=15)
            out[str(key)] = "ok"
        except KafkaException as e:
            out[str(key)] = e.args[0].name()
    return out


def configs(resource):
    """{name: [value, source, is_read_only, is_default, [synonym names]]} of one resource."""
    (f,) = admin.describe_configs([resource], request_timeout=15).values()
    return {
        name: [e.value, int(e.source), e.is_read_only, e.is_default, [s for s in e.synonyms]]
        for name, e in f.result(timeout=15).items()
    }


report["create"] = outcome(
    admin.create_topics(
        [
            NewTopic(topic, num_partitions=2, replication_factor=1, config={"retention.bytes": "1048576", "segment.bytes": "524288"}),
            NewTopic(prefix + "-rf3", num_partitions=1, replication_factor=3),
            NewTopic(prefix + "-badcfg", num_partitions=1, replication_factor=1, config={"cleanup.policy": "shred"}),
        ],
        operation_timeout=10,
    )
)
report["createAgain"] = outcome(admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)], operation_timeout=10))
report["validateOnly"] = outcome(
    admin.create_topics([NewTopic(prefix + "-validated", num_partitions=1, replication_factor=1)], validate_only=True)
)

topic_configs = configs(ConfigResource("topic", topic))
report["topicConfigs"] = {k: topic_configs[k] for k in ("retention.bytes", "segment.bytes", "retention.ms", "cleanup.policy")}
broker_configs = configs(ConfigResource("broker", str(arg["nodeId"])))
report["brokerConfigs"] = {k: broker_configs[k] for k in ("log.retention.ms", "log.segment.bytes", "num.partitions", "log.dirs")}

report["alter"] = outcome(admin.alter_configs([ConfigResource("topic", topic, set_config={"retention.ms": "86400000"})]))
altered = configs(ConfigResource("topic", topic))
report["afterAlter"] = {k: altered[k][:2] for k in ("retention.ms", "retention.bytes")}

report["addPartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 4)], operation_timeout=10))
report["samePartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 4)], operation_timeout=10))
metadata = admin.list_topics(timeout=10)
report["listed"] = sorted(t for t in metadata.topics if t.startswith(prefix))
report["partitions"] = len(metadata.topics[topic].partitions)

report["delete"] = outcome(admin.delete_topics([topic, prefix + "-never"], operation_timeout=10))
report["listedAfterDelete"] = sorted(t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix))
print(json.dumps(report))
