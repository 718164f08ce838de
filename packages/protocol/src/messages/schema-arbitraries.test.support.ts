import fc from 'fast-check';
import type { FieldSchema, StructSchema, TypeSchema, VersionRange } from './schema-types.js';

/**
 * fast-check arbitraries built from the generated schema descriptors: a value of a message at one
 * version, with every field the version carries drawn at random (null only where the version
 * allows it) and every other field at its default, which is what decoding that version yields.
 */

export function inRange(range: VersionRange | null | undefined, version: number): boolean {
  return range != null && version >= range[0] && version <= range[1];
}

function isStruct(type: TypeSchema): type is StructSchema {
  return typeof type === 'object' && 'struct' in type;
}

export function defaultFor(field: FieldSchema): unknown {
  if (field.default !== undefined) return field.default;
  const t = field.type;
  if (isStruct(t)) return defaultStruct(t);
  if (typeof t === 'object') return [];
  if (t === 'uuid') return Buffer.alloc(16);
  if (t === 'bytes' || t === 'records') return Buffer.alloc(0);
  throw new Error(`scalar field ${field.name} has no default in its schema`);
}

export function defaultStruct(s: StructSchema): Record<string, unknown> {
  return Object.fromEntries(s.fields.map((f) => [f.name, defaultFor(f)]));
}

const bytesArb = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

export function valueArb(type: TypeSchema, version: number, depth: number): fc.Arbitrary<unknown> {
  if (isStruct(type)) return structArb(type, version, depth + 1);
  if (typeof type === 'object') return fc.array(valueArb(type.array, version, depth), { maxLength: depth === 0 ? 3 : 2 });
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 6 });
    case 'bytes':
      return bytesArb(8);
    case 'records':
      return bytesArb(24);
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
  }
}

export function fieldArb(field: FieldSchema, version: number, depth: number): fc.Arbitrary<unknown> {
  if (!inRange(field.versions, version)) return fc.constant(defaultFor(field));
  const base = valueArb(field.type, version, depth);
  return inRange(field.nullableVersions, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

export function structArb(s: StructSchema, version: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) model[f.name] = fieldArb(f, version, depth);
  return fc.record(model, { noNullPrototype: true });
}
