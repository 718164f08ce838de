// One kafkajs 2.2.4 group member in its own process, so a test can kill -9 it (a crashed consumer:
// no LeaveGroup, no more heartbeats). Argument (JSON): {"bootstrap", "groupId", "topic", "name",
// "sessionTimeout"}. Reports JSON lines on stdout: {"event": "assigned", "member", "partitions"}
// after every join, {"event": "message", "member", "partition", "offset", "value"} per record.
import kafkajs from 'kafkajs';

const args = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const kafka = new kafkajs.Kafka({ clientId: args.name, brokers: [args.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: args.groupId,
  sessionTimeout: args.sessionTimeout,
  heartbeatInterval: Math.min(300, args.sessionTimeout / 3),
  rebalanceTimeout: 10000,
  maxWaitTimeInMs: 200,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  emit({ event: 'assigned', member: args.name, memberId: e.payload.memberId, partitions: e.payload.memberAssignment[args.topic] ?? [] });
});
await consumer.connect();
await consumer.subscribe({ topic: args.topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    emit({ event: 'message', member: args.name, partition, offset: message.offset, value: message.value.toString() });
  },
});
process.stdin.resume();
process.stdin.on('end', async () => {
  await consumer.disconnect();
  process.exit(0);
});
