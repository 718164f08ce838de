import { ProtocolError } from '../primitives/protocol-error.js';
import type { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';

/**
 * Small helpers the generated codecs call. Kept out of the generated files so each of those holds
 * only what is specific to its messages.
 */

export function checkVersion(message: string, version: number, min: number, max: number): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `${message} version ${version} is not in ${min}-${max}`);
  }
}

/** A top-level decode must consume its input exactly. */
export function expectEnd(r: Reader, message: string): void {
  if (r.remaining !== 0) {
    throw new ProtocolError('TRAILING_BYTES', `${r.remaining} bytes left after a complete ${message}`);
  }
}

/**
 * Encoding a value of the wrong shape (an int32 out of range, a missing array) surfaces from Buffer
 * as RangeError or TypeError; callers get a ProtocolError('INVALID_VALUE') instead.
 */
export function encodeError(message: string, err: unknown): unknown {
  if (err instanceof ProtocolError) return err;
  if (err instanceof RangeError || err instanceof TypeError) {
    return new ProtocolError('INVALID_VALUE', `cannot encode ${message}: ${err.message}`);
  }
  return err;
}

/** A field holds a non-default value in a version lacking it and is not ignorable (Kafka refuses too). */
export function nonDefaultField(struct: string, field: string, version: number): ProtocolError {
  return new ProtocolError('INVALID_VALUE', `${struct}.${field} has a non-default value, which version ${version} cannot carry`);
}

/** A null in a version where the field is not nullable (encoding or decoding). */
export function nullField(struct: string, field: string, version: number): ProtocolError {
  return new ProtocolError('INVALID_VALUE', `${struct}.${field} is null, which version ${version} does not allow`);
}

/** Writes one tagged field: tag, byte size, then the value as `body` encodes it. */
export function writeTaggedField(w: Writer, tag: number, body: (t: Writer) => void): void {
  const t = new Writer(32);
  body(t);
  w.uvarint(tag).uvarint(t.offset).raw(t.finish());
}

export const ZERO_UUID: Buffer = Buffer.alloc(16);

export function isZeroUuid(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return v.length === 16;
}

/**
 * Structural equality used to decide whether a struct-typed field still holds its default (which
 * decides whether it is written as a tagged field, or may be dropped in a version lacking it).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
