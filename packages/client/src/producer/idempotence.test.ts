import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { assignSequence, classifyIdempotent, incrementSequence, lastSequence, mayDrain, recordAck, resetSequences } from './idempotence.js';
import { PartitionQueue } from './partition-queue.js';
import { ProducerBatch } from './producer-batch.js';

function batchOf(n: number): ProducerBatch {
  const b = new ProducerBatch('t', 0, 0);
  for (let i = 0; i < n; i++) b.append({ value: Buffer.from([i]) }, 10);
  return b;
}

const id = { producerId: 7n, producerEpoch: 0 };

describe('sequence numbers', () => {
  it('wrap from Integer.MAX_VALUE to 0 as Java does', () => {
    expect(incrementSequence(5, 3)).toBe(8);
    expect(incrementSequence(2147483647, 1)).toBe(0);
    expect(incrementSequence(2147483645, 5)).toBe(2);
  });

  it('are assigned once per batch, in drain order, and kept across retries', () => {
    const q = new PartitionQueue('t', 0);
    const a = batchOf(3);
    const b = batchOf(2);
    assignSequence(q, a, id);
    assignSequence(q, b, id);
    expect([a.baseSequence, lastSequence(a), b.baseSequence, lastSequence(b)]).toEqual([0, 2, 3, 4]);
    a.encoded = Buffer.alloc(1);
    assignSequence(q, a, id); // a retry
    expect(a.baseSequence).toBe(0);
    expect(a.encoded).not.toBeNull();
    expect(q.nextSequence).toBe(5);
  });

  it('start again at 0 for unsent batches after an epoch bump', () => {
    const q = new PartitionQueue('t', 0);
    const a = batchOf(3);
    assignSequence(q, a, id);
    q.batches.push(a);
    recordAck(q, batchOf(0));
    resetSequences([q]);
    expect(q.nextSequence).toBe(0);
    expect(a.baseSequence).toBe(-1);
    assignSequence(q, a, { producerId: 7n, producerEpoch: 1 });
    expect(a.baseSequence).toBe(0);
    expect(a.producerEpoch).toBe(1);
  });
});

describe('classifyIdempotent', () => {
  function sent(q: PartitionQueue, sizes: number[]): ProducerBatch[] {
    return sizes.map((n) => {
      const b = batchOf(n);
      assignSequence(q, b, id);
      return b;
    });
  }

  it('treats success and DUPLICATE_SEQUENCE_NUMBER as delivered', () => {
    const q = new PartitionQueue('t', 0);
    const [a] = sent(q, [2]);
    expect(classifyIdempotent(q, a!, ErrorCode.NONE)).toBe('success');
    expect(classifyIdempotent(q, a!, ErrorCode.DUPLICATE_SEQUENCE_NUMBER)).toBe('success');
  });

  it('retries OUT_OF_ORDER_SEQUENCE_NUMBER for a batch behind one that failed', () => {
    const q = new PartitionQueue('t', 0);
    const [a, b] = sent(q, [2, 2]);
    // a failed (retriable); b reached the broker before a's resend and is refused as out of order.
    expect(classifyIdempotent(q, a!, ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe('retry');
    expect(classifyIdempotent(q, b!, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe('retry');
  });

  it('gives up and asks for a new epoch when the next expected batch is out of order (records were lost)', () => {
    const q = new PartitionQueue('t', 0);
    const [a, b] = sent(q, [2, 2]);
    recordAck(q, a!);
    expect(q.lastAckedSequence).toBe(1);
    expect(classifyIdempotent(q, b!, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe('fail-and-reset');
    expect(classifyIdempotent(q, b!, ErrorCode.UNKNOWN_PRODUCER_ID)).toBe('fail-and-reset');
  });

  it('counts an out-of-order answer for an already acknowledged batch as delivered', () => {
    const q = new PartitionQueue('t', 0);
    const [a, b] = sent(q, [2, 2]);
    recordAck(q, b!);
    expect(classifyIdempotent(q, a!, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe('success');
  });

  it('fails non-retriable errors and retries retriable ones', () => {
    const q = new PartitionQueue('t', 0);
    const [a] = sent(q, [1]);
    expect(classifyIdempotent(q, a!, ErrorCode.MESSAGE_TOO_LARGE)).toBe('fail');
    expect(classifyIdempotent(q, a!, ErrorCode.REQUEST_TIMED_OUT)).toBe('retry');
  });
});

describe('ordering while retrying', () => {
  it('allows up to max in flight normally, and only one at a time while a batch is being retried', () => {
    const q = new PartitionQueue('t', 0);
    q.inFlight = 4;
    expect(mayDrain(q, 5)).toBe(true);
    q.inFlight = 5;
    expect(mayDrain(q, 5)).toBe(false);
    q.retrying = true;
    q.inFlight = 1;
    expect(mayDrain(q, 5)).toBe(false);
    q.inFlight = 0;
    expect(mayDrain(q, 5)).toBe(true);
  });

  it('leaves retry mode once the retried batches are acknowledged', () => {
    const q = new PartitionQueue('t', 0);
    const a = batchOf(1);
    assignSequence(q, a, id);
    a.attempts = 1;
    q.retrying = true;
    q.batches.push(batchOf(1)); // a fresh batch behind it
    recordAck(q, a);
    expect(q.retrying).toBe(false);
  });
});
