// Child process for the crash test (log/log-crash.test.ts): appends deterministic batches to one
// partition through a LogManager with flush.messages=1 until it is killed, printing one line per
// append that returned ("A <firstOffset> <lastOffset> <tag>") so the parent knows what was
// acknowledged. Usage: crash-appender <logDir> <firstTag>
import { LogManager, parseLogConfig } from '../index.js';
import { crashBatch } from './crash-batches.js';

const [logDir, firstTagText] = process.argv.slice(2);
if (!logDir || firstTagText === undefined) {
  console.error('usage: crash-appender <logDir> <firstTag>');
  process.exit(2);
}

const config = parseLogConfig({
  'segment.bytes': String(48 * 1024),
  'index.interval.bytes': '1024',
  'flush.messages': '1',
  'file.delete.delay.ms': '0',
});
// Checkpoint the recovery point often (and really run the scheduler) so kills also land during
// checkpoint writes and the next open starts recovery from a checkpointed point.
const manager = await LogManager.open({ logDirs: [logDir], defaultConfig: config, recoveryPointCheckpointIntervalMs: 50 });
manager.startTimer(10);
const log = await manager.getOrCreateLog('crash', 0);
process.stdout.write(`READY ${log.logEndOffset}\n`);
for (let tag = Number(firstTagText); ; tag++) {
  const r = await log.append(crashBatch(tag));
  // One write per line, so the parent never sees half a line from a killed child... except the
  // last one, which it ignores unless it ends in a newline.
  process.stdout.write(`A ${r.firstOffset} ${r.lastOffset} ${tag}\n`);
}
