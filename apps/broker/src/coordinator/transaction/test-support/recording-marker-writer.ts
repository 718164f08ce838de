import { ErrorCode } from '@tributary/protocol';
import type { TxnMarker, TxnMarkerPartitionResult, TxnMarkerWriter } from '../marker-writer.js';

/** A marker as a partition received it. */
export interface WrittenMarker {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
}

/**
 * Stands in for the broker's marker path in unit tests: remembers every marker written, per
 * partition, and answers with NONE unless a test scripted an error for a partition (a number of
 * times, or until cleared). Writes can be held to observe a transaction mid-completion.
 */
export class RecordingMarkerWriter implements TxnMarkerWriter {
  readonly written: WrittenMarker[] = [];
  /** Every write call, as made. */
  readonly calls: TxnMarker[] = [];
  private readonly scripted = new Map<string, { errorCode: number; times: number }>();
  holdWrites = false;
  private held: Array<() => void> = [];

  /** The next `times` writes to the partition answer `errorCode` (Infinity: until cleared). */
  failPartition(topic: string, partition: number, errorCode: number, times = Infinity): void {
    this.scripted.set(`${topic}-${partition}`, { errorCode, times });
  }

  clearFailures(): void {
    this.scripted.clear();
  }

  release(): void {
    this.holdWrites = false;
    const held = this.held;
    this.held = [];
    for (const resume of held) resume();
  }

  async write(marker: TxnMarker): Promise<readonly TxnMarkerPartitionResult[]> {
    this.calls.push(marker);
    if (this.holdWrites) await new Promise<void>((resolve) => this.held.push(resolve));
    return marker.partitions.map((tp) => {
      const script = this.scripted.get(`${tp.topic}-${tp.partition}`);
      if (script && script.times > 0) {
        script.times--;
        return { ...tp, errorCode: script.errorCode };
      }
      this.written.push({ ...tp, producerId: marker.producerId, producerEpoch: marker.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch, commit: marker.commit });
      return { ...tp, errorCode: ErrorCode.NONE };
    });
  }
}
