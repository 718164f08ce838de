/**
 * The cleaner's key → last offset map for the dirty section of a log (Kafka's OffsetMap). Kafka
 * stores MD5 hashes in a fixed buffer; here the key bytes themselves are the map key (as a latin1
 * string, one char per byte), so there are no hash collisions, and `maxEntries` bounds memory the way
 * log.cleaner.dedupe.buffer.size does.
 */
export class OffsetMap {
  private readonly offsets = new Map<string, number>();
  /** The last offset the map covers: records above it were not seen while building and are kept. */
  latestOffset = -1;

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.offsets.size;
  }

  /** True when one more new key would exceed maxEntries. */
  get isFull(): boolean {
    return this.offsets.size >= this.maxEntries;
  }

  /**
   * Records that `key` occurs at `offset`, keeping the highest offset seen for the key (committed
   * transactions are added when their marker is read, possibly after later plain records).
   */
  put(key: Buffer, offset: number): void {
    const k = key.toString('latin1');
    const prev = this.offsets.get(k);
    if (prev === undefined || offset > prev) this.offsets.set(k, offset);
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  has(key: Buffer): boolean {
    return this.offsets.has(key.toString('latin1'));
  }

  /** The last offset of key, or -1 when the key does not occur in the mapped section. */
  get(key: Buffer): number {
    return this.offsets.get(key.toString('latin1')) ?? -1;
  }

  updateLatestOffset(offset: number): void {
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  clear(): void {
    this.offsets.clear();
    this.latestOffset = -1;
  }
}
