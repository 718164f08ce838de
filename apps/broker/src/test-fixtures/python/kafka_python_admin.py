"""Topic administration with kafka-python 2.0.2's KafkaAdminClient (Debian python3-kafka).

Usage: /usr/bin/python3 kafka_python_admin.py '{"bootstrap": "127.0.0.1:9092", "prefix": "t", "nodeId": 1}'

Creates a topic with configs, checks the refusals (existing topic, replication factor 3, bad
config), validates without creating, lists and describes it through Metadata, describes its configs
and the broker's, replaces its configs with AlterConfigs, adds partitions, and deletes it. Prints
what it observed as one JSON object on its last line; admin-python.test.ts asserts.
"""
import json
import sys

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import KafkaError

arg = json.loads(sys.argv[1])
prefix = arg["prefix"]
topic = prefix + "-main"
report = {}

admin = KafkaAdminClient(bootstrap_servers=arg["bootstrap"], client_id="h9-kafka-python", request_timeout_ms=10000)


def attempt(fn):
    """The call's error class name, or "ok"."""
    try:
        fn()
        return "ok"
    except KafkaError as e:
        return type(e).__name__


def configs_of(responses):
    """{resource name: {config name: [value, read_only, source, [synonym names]]}} from DescribeConfigs."""
    out = {}
    for response in responses:
        for res in response.to_object()["resources"]:
            entries = {}
            for c in res["config_entries"]:
                synonyms = [s["config_name"] for s in c.get("config_synonyms", [])]
                entries[c["config_names"]] = [c["config_value"], c["read_only"], c.get("config_source"), synonyms]
            out[res["resource_name"]] = {"error": res["error_code"], "configs": entries}
    return out


created = admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"retention.ms": "3600000", "cleanup.policy": "compact"})])
report["create"] = {t["topic"]: t["error_code"] for t in created.to_object()["topic_errors"]}
report["createAgain"] = attempt(lambda: admin.create_topics([NewTopic(topic, 1, 1)]))
report["createRf3"] = attempt(lambda: admin.create_topics([NewTopic(prefix + "-rf3", 1, 3)]))
report["createBadConfig"] = attempt(lambda: admin.create_topics([NewTopic(prefix + "-bad", 1, 1, topic_configs={"retention.ms": "soon"})]))
report["validateOnly"] = attempt(lambda: admin.create_topics([NewTopic(prefix + "-validated", 2, 1)], validate_only=True))
report["listed"] = sorted(t for t in admin.list_topics() if t.startswith(prefix))
report["partitions"] = {t["topic"]: len(t["partitions"]) for t in admin.describe_topics([topic])}

report["described"] = configs_of(admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True))
report["brokerConfigs"] = configs_of(
    admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(arg["nodeId"]), configs={"log.segment.bytes": None, "num.partitions": None})])
)

altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "7200000"})])
report["alter"] = [r["error_code"] for r in altered.to_object()["resources"]]
bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"no.such.config": "1"})])
report["alterUnknownKey"] = [r["error_code"] for r in bad.to_object()["resources"]]
report["describedAfterAlter"] = configs_of(
    admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": None, "cleanup.policy": None})])
)

report["addPartitions"] = attempt(lambda: admin.create_partitions({topic: NewPartitions(5)}))
report["shrinkPartitions"] = attempt(lambda: admin.create_partitions({topic: NewPartitions(2)}))
report["partitionsAfter"] = {t["topic"]: len(t["partitions"]) for t in admin.describe_topics([topic])}

report["delete"] = attempt(lambda: admin.delete_topics([topic]))
report["deleteUnknown"] = attempt(lambda: admin.delete_topics([prefix + "-never"]))
report["listedAfterDelete"] = sorted(t for t in admin.list_topics() if t.startswith(prefix))
admin.close()
print(json.dumps(report))
