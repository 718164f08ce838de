import { join } from 'node:path';
import { batchViews } from '@tributary/protocol';
import { ManualClock } from '../clock.js';
import { parseLogConfig } from '../config/log-config.js';
import type { FileIO } from '../io/file-io.js';
import { Log, type LogOptions } from '../log/log.js';

/** Opens a log in `<parent>/t-0` with Kafka-named config overrides and a manual clock. */
export async function openTestLog(
  parent: string,
  props: Record<string, string> = {},
  extra: Partial<LogOptions> & { clock?: ManualClock; io?: FileIO } = {},
): Promise<{ log: Log; clock: ManualClock; dir: string }> {
  const clock = extra.clock ?? new ManualClock(1_000_000);
  const dir = extra.dir ?? join(parent, 't-0');
  const log = await Log.open({ ...extra, dir, config: parseLogConfig({ 'file.delete.delay.ms': '0', ...props }), clock });
  return { log, clock, dir };
}

/** Every batch of the log, read sequentially from the log start. */
export async function readAll(log: Log, maxBytes = 1 << 20): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, maxBytes);
    if (r.batchCount === 0) break;
    for (const v of batchViews(r.records)) out.push(Buffer.from(v.bytes()));
    offset = r.nextOffset;
  }
  return out;
}
