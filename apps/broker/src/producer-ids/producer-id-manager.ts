import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../controller/atomic-file.js';

/** File in the (first) data directory holding the start of the next unallocated block. */
export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block.json';
/** Kafka's ProducerIdsBlock size: ids handed out per durable write. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Producer ids are int64 on the wire; staying within 2^53 keeps them exact as JS numbers. */
const MAX_PRODUCER_ID = Number.MAX_SAFE_INTEGER;
const FORMAT_VERSION = 1;

/** The producer id space is exhausted, or the block file cannot be read or written. */
export class ProducerIdError extends Error {
  override readonly name = 'ProducerIdError';
}

export interface ProducerIdManagerOptions {
  /** Directory of the block file (the first log dir, beside the metadata store). */
  readonly dir: string;
  readonly blockSize?: number;
}

/**
 * Hands out producer ids for InitProducerId (Kafka's ProducerIdManager). Ids come from blocks; the
 * end of the current block is written durably (atomic replace + fsync) before any id of it is
 * given out, so after a crash or restart the next block starts past every id ever handed out and
 * no id is reused (ids left in a block when the broker stops are simply skipped, as in Kafka).
 */
export class ProducerIdManager {
  private next = 0;
  private blockEnd = 0;
  /** Start of the next block, as persisted. */
  private nextBlockStart: number;
  private allocating: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    private readonly blockSize: number,
    nextBlockStart: number,
  ) {
    this.nextBlockStart = nextBlockStart;
  }

  static async open(opts: ProducerIdManagerOptions): Promise<ProducerIdManager> {
    const path = join(opts.dir, PRODUCER_ID_BLOCK_FILE);
    const blockSize = opts.blockSize ?? PRODUCER_ID_BLOCK_SIZE;
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new ProducerIdError(`invalid producer id block size ${blockSize}`);
    return new ProducerIdManager(path, blockSize, await readNextBlockStart(path));
  }

  /** A producer id never handed out before by this data directory. */
  async generateProducerId(): Promise<number> {
    while (this.next >= this.blockEnd) {
      // One block allocation at a time; callers waiting on it then share the new block.
      this.allocating ??= this.allocateBlock().finally(() => (this.allocating = undefined));
      await this.allocating;
    }
    return this.next++;
  }

  private async allocateBlock(): Promise<void> {
    const start = this.nextBlockStart;
    const end = start + this.blockSize;
    if (end > MAX_PRODUCER_ID) throw new ProducerIdError('the producer id space is exhausted');
    try {
      await writeFileAtomically(this.path, JSON.stringify({ version: FORMAT_VERSION, nextBlockStart: end }) + '\n');
    } catch (err) {
      throw new ProducerIdError(`persisting the producer id block to ${this.path} failed: ${(err as Error).message}`, { cause: err });
    }
    this.nextBlockStart = end;
    this.next = start;
    this.blockEnd = end;
  }
}

async function readNextBlockStart(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new ProducerIdError(`reading ${path} failed: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const value = (parsed as { version?: unknown; nextBlockStart?: unknown } | undefined)?.nextBlockStart;
  if ((parsed as { version?: unknown } | undefined)?.version !== FORMAT_VERSION || !Number.isSafeInteger(value) || (value as number) < 0) {
    // Guessing a start could hand out ids again; refuse to start instead.
    throw new ProducerIdError(`${path} is not a valid producer id block file; refusing to start rather than reuse producer ids`);
  }
  return value as number;
}
