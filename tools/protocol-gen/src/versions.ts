/**
 * Kafka version ranges as the message specs write them: "3+", "0-7", "2", or "none".
 * A range is contiguous, as in Kafka's own generator; an open range ends at MAX_VERSION.
 */
export const MAX_VERSION = 0x7fff;

export class Versions {
  static readonly NONE = new Versions(1, 0);
  static readonly ALL = new Versions(0, MAX_VERSION);

  private constructor(
    readonly min: number,
    readonly max: number,
  ) {}

  static of(min: number, max: number): Versions {
    return min > max ? Versions.NONE : new Versions(min, max);
  }

  /** Parses a spec string; `fallback` is used when the attribute is missing. */
  static parse(text: string | undefined, fallback?: Versions): Versions {
    if (text === undefined) {
      if (fallback === undefined) throw new Error('missing version range');
      return fallback;
    }
    const s = text.trim();
    if (s === 'none') return Versions.NONE;
    let m = /^(\d+)\+$/.exec(s);
    if (m) return Versions.of(Number(m[1]), MAX_VERSION);
    m = /^(\d+)-(\d+)$/.exec(s);
    if (m) {
      const lo = Number(m[1]);
      const hi = Number(m[2]);
      if (lo > hi) throw new Error(`empty version range "${text}"`);
      return Versions.of(lo, hi);
    }
    m = /^(\d+)$/.exec(s);
    if (m) return Versions.of(Number(m[1]), Number(m[1]));
    throw new Error(`unparseable version range "${text}"`);
  }

  get empty(): boolean {
    return this.min > this.max;
  }

  contains(v: number): boolean {
    return v >= this.min && v <= this.max;
  }

  /** True if every version of `other` is in this range (the empty range is in every range). */
  covers(other: Versions): boolean {
    return other.empty || (!this.empty && other.min >= this.min && other.max <= this.max);
  }

  intersect(other: Versions): Versions {
    return Versions.of(Math.max(this.min, other.min), Math.min(this.max, other.max));
  }

  /** Smallest contiguous range holding both. */
  hull(other: Versions): Versions {
    if (this.empty) return other;
    if (other.empty) return this;
    return Versions.of(Math.min(this.min, other.min), Math.max(this.max, other.max));
  }

  /** Versions in this range and not in `other`, if that is contiguous (else throws). */
  subtract(other: Versions): Versions {
    const both = this.intersect(other);
    if (both.empty) return this;
    if (both.min === this.min && both.max === this.max) return Versions.NONE;
    if (both.min === this.min) return Versions.of(both.max + 1, this.max);
    if (both.max === this.max) return Versions.of(this.min, both.min - 1);
    throw new Error(`${this} minus ${other} is not contiguous`);
  }

  equals(other: Versions): boolean {
    return (this.empty && other.empty) || (this.min === other.min && this.max === other.max);
  }

  toString(): string {
    if (this.empty) return 'none';
    if (this.max === MAX_VERSION) return `${this.min}+`;
    if (this.min === this.max) return `${this.min}`;
    return `${this.min}-${this.max}`;
  }
}
