import type { LogSegment } from '../segment/log-segment.js';

/**
 * The live segments of one log in base-offset order (Kafka's LogSegments). Copy-on-write: every
 * change builds a new array, so `all()` is a cheap, stable snapshot for readers that await between
 * steps while the log rolls, retains or truncates.
 */
export class LogSegments {
  private list: readonly LogSegment[] = [];

  all(): readonly LogSegment[] {
    return this.list;
  }

  get count(): number {
    return this.list.length;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  first(): LogSegment | undefined {
    return this.list[0];
  }

  last(): LogSegment | undefined {
    return this.list[this.list.length - 1];
  }

  /** Adds a segment, replacing one with the same base offset. */
  add(segment: LogSegment): void {
    const rest = this.list.filter((s) => s.baseOffset !== segment.baseOffset);
    const at = rest.findIndex((s) => s.baseOffset > segment.baseOffset);
    this.list = at < 0 ? [...rest, segment] : [...rest.slice(0, at), segment, ...rest.slice(at)];
  }

  remove(segments: readonly LogSegment[]): void {
    const gone = new Set(segments);
    this.list = this.list.filter((s) => !gone.has(s));
  }

  clear(): void {
    this.list = [];
  }

  /** Index of the segment with the largest base offset <= offset, or -1. */
  static floorIndex(list: readonly LogSegment[], offset: number): number {
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The segment that would hold offset (largest base offset <= offset). */
  floor(offset: number): LogSegment | undefined {
    const i = LogSegments.floorIndex(this.list, offset);
    return i < 0 ? undefined : this.list[i];
  }

  /** Segments overlapping [from, to): the floor segment of `from` and every later one below `to`. */
  range(from: number, to: number): LogSegment[] {
    const start = Math.max(0, LogSegments.floorIndex(this.list, from));
    return this.list.slice(start).filter((s) => s.baseOffset < to);
  }

  /** Total bytes of all .log files. */
  sizeInBytes(): number {
    let n = 0;
    for (const s of this.list) n += s.size;
    return n;
  }
}
