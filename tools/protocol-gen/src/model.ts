import { apiBaseName, camelCase } from './names.js';
import type { RawField, RawSpec, RawStruct } from './spec-loader.js';
import { Versions } from './versions.js';

/** The resolved type model the emitters work from: every name, range and default already checked. */

export const PRIMITIVES = [
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'uuid',
  'records',
] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export type FieldType =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'array'; element: FieldType }
  | { kind: 'struct'; struct: StructDef };

/** A field's default: a scalar literal, null, or the type's "empty" value (empty bytes/array, zero uuid, default struct). */
export type DefaultValue =
  | { kind: 'null' }
  | { kind: 'empty' }
  | { kind: 'scalar'; value: boolean | number | bigint | string };

export interface FieldDef {
  specName: string;
  /** Property name in the generated interfaces. */
  name: string;
  type: FieldType;
  versions: Versions;
  /** Versions in which the field may be null (always within `versions`). */
  nullableVersions: Versions;
  /** Versions in which the field travels in the tagged-field section (within `versions`). */
  taggedVersions: Versions;
  tag: number | null;
  ignorable: boolean;
  /** Flexible versions for this field's own encoding, when it overrides the message's. */
  flexibleVersions: Versions | null;
  default: DefaultValue;
}

export interface StructDef {
  specName: string;
  /** Interface name, unique across all generated modules. */
  tsName: string;
  fields: FieldDef[];
  /** Versions in which the struct can be encoded (the hull of the versions of the fields that hold it). */
  possibleVersions: Versions;
}

export interface MessageDef {
  name: string;
  kind: RawSpec['type'];
  apiKey: number | null;
  validVersions: Versions;
  flexibleVersions: Versions;
  deprecatedVersions: Versions;
  latestVersionUnstable: boolean;
  root: StructDef;
  /** Nested structs (inline and common), each listed once, dependencies before their users. */
  structs: StructDef[];
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

function isPrimitive(name: string): name is Primitive {
  return (PRIMITIVES as readonly string[]).includes(name);
}

function nullableKind(type: FieldType): boolean {
  if (type.kind !== 'primitive') return true;
  return type.name === 'string' || type.name === 'bytes' || type.name === 'records';
}

/** Parses an integer default the way Java's Long.decode does: decimal or 0x-hex, optional sign. */
function parseIntegerLiteral(text: string, where: string): bigint {
  const m = /^(-?)(0x[0-9a-fA-F]+|\d+)$/.exec(text.trim());
  if (!m) throw new Error(`${where}: bad integer default "${text}"`);
  const magnitude = BigInt(m[2]!);
  return m[1] === '-' ? -magnitude : magnitude;
}

function parseDefault(raw: RawField, type: FieldType, nullable: boolean, where: string): DefaultValue {
  const d = raw.default;
  if (d === undefined) {
    if (type.kind !== 'primitive') return { kind: 'empty' };
    switch (type.name) {
      case 'bool':
        return { kind: 'scalar', value: false };
      case 'int64':
        return { kind: 'scalar', value: 0n };
      case 'string':
        return { kind: 'scalar', value: '' };
      case 'bytes':
      case 'uuid':
        return { kind: 'empty' };
      case 'records':
        // Kafka leaves records null by default; a never-nullable records field starts empty instead.
        return nullable ? { kind: 'null' } : { kind: 'empty' };
      default:
        return { kind: 'scalar', value: 0 };
    }
  }
  const text = String(d);
  if (text === 'null') {
    if (!nullableKind(type)) throw new Error(`${where}: default null on a ${raw.type} field`);
    if (!nullable) throw new Error(`${where}: default null but the field is never nullable`);
    return { kind: 'null' };
  }
  if (type.kind !== 'primitive') {
    throw new Error(`${where}: ${raw.type} fields only take the default "null"`);
  }
  switch (type.name) {
    case 'bool':
      if (text !== 'true' && text !== 'false') throw new Error(`${where}: bad bool default "${text}"`);
      return { kind: 'scalar', value: text === 'true' };
    case 'int64': {
      const v = parseIntegerLiteral(text, where);
      if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new Error(`${where}: int64 default out of range`);
      return { kind: 'scalar', value: v };
    }
    case 'float64': {
      const v = Number(text);
      if (Number.isNaN(v) && text !== 'NaN') throw new Error(`${where}: bad float64 default "${text}"`);
      return { kind: 'scalar', value: v };
    }
    case 'string':
      return { kind: 'scalar', value: text };
    case 'bytes':
    case 'records':
    case 'uuid':
      throw new Error(`${where}: ${type.name} fields only take the default "null"`);
    default: {
      const [lo, hi] = INT_RANGES[type.name]!;
      const v = Number(parseIntegerLiteral(text, where));
      if (v < lo || v > hi) throw new Error(`${where}: default ${text} out of range for ${type.name}`);
      return { kind: 'scalar', value: v };
    }
  }
}

/** Builds the model of one spec; `usedNames` collects interface names to catch clashes across modules. */
export function buildMessage(spec: RawSpec): MessageDef {
  const validVersions = Versions.parse(spec.validVersions);
  const flexibleVersions = Versions.parse(spec.flexibleVersions);
  if (validVersions.empty) throw new Error(`${spec.file}: no valid versions`);
  if (!flexibleVersions.empty && flexibleVersions.max !== Versions.ALL.max) {
    throw new Error(`${spec.file}: flexibleVersions must be open-ended`);
  }
  const structs = new Map<string, StructDef>();
  const order: StructDef[] = [];
  const pendingCommon = new Map<string, RawStruct>();
  for (const cs of spec.commonStructs ?? []) pendingCommon.set(cs.name, cs);

  const structName = (specName: string): string =>
    specName.startsWith(spec.name) ? specName : `${spec.name}${specName}`;

  const buildStruct = (specName: string, rawFields: RawField[], tsName: string, where: string): StructDef => {
    if (structs.has(specName)) throw new Error(`${where}: struct ${specName} defined twice`);
    const def: StructDef = { specName, tsName, fields: [], possibleVersions: Versions.NONE };
    structs.set(specName, def);
    def.fields = buildFields(rawFields, `${where}.${specName}`);
    order.push(def);
    return def;
  };

  const resolveStruct = (typeName: string, raw: RawField, where: string): StructDef => {
    if (raw.fields) return buildStruct(typeName, raw.fields, structName(typeName), where);
    const existing = structs.get(typeName);
    if (existing) return existing;
    const common = pendingCommon.get(typeName);
    if (!common) throw new Error(`${where}: unknown type ${typeName}`);
    pendingCommon.delete(typeName);
    return buildStruct(typeName, common.fields, structName(typeName), `${spec.file}#common`);
  };

  const resolveType = (typeName: string, raw: RawField, where: string): FieldType => {
    if (typeName.startsWith('[]')) {
      const element = resolveType(typeName.slice(2), raw, where);
      if (element.kind === 'array') throw new Error(`${where}: nested arrays are not supported`);
      if (element.kind === 'primitive' && element.name === 'records') throw new Error(`${where}: array of records`);
      return { kind: 'array', element };
    }
    if (isPrimitive(typeName)) {
      if (raw.fields) throw new Error(`${where}: primitive ${typeName} with fields`);
      return { kind: 'primitive', name: typeName };
    }
    if (!/^[A-Z][A-Za-z0-9]*$/.test(typeName)) throw new Error(`${where}: unknown type ${typeName}`);
    return { kind: 'struct', struct: resolveStruct(typeName, raw, where) };
  };

  function buildFields(rawFields: RawField[], where: string): FieldDef[] {
    const names = new Set<string>();
    const tags = new Set<number>();
    return rawFields.map((raw) => {
      const at = `${where}.${raw.name}`;
      if (names.has(raw.name)) throw new Error(`${at}: duplicate field`);
      names.add(raw.name);
      const versions = Versions.parse(raw.versions);
      const type = resolveType(raw.type, raw, at);
      const nullableVersions = Versions.parse(raw.nullableVersions, Versions.NONE);
      if (!nullableVersions.empty && !nullableKind(type)) throw new Error(`${at}: ${raw.type} cannot be nullable`);
      const taggedVersions = Versions.parse(raw.taggedVersions, Versions.NONE);
      const tag = raw.tag ?? null;
      if ((tag === null) !== taggedVersions.empty) throw new Error(`${at}: tag and taggedVersions go together`);
      if (tag !== null) {
        if (tags.has(tag)) throw new Error(`${at}: duplicate tag ${tag}`);
        tags.add(tag);
        if (!versions.covers(taggedVersions)) throw new Error(`${at}: taggedVersions outside versions`);
        if (!flexibleVersions.covers(taggedVersions)) throw new Error(`${at}: tagged in a non-flexible version`);
      }
      const fieldFlexible = raw.flexibleVersions === undefined ? null : Versions.parse(raw.flexibleVersions);
      if (fieldFlexible && !(type.kind === 'primitive' && (type.name === 'string' || type.name === 'bytes'))) {
        throw new Error(`${at}: only string and bytes fields may override flexibleVersions`);
      }
      const nullableInVersions = nullableVersions.intersect(versions);
      return {
        specName: raw.name,
        name: camelCase(raw.name),
        type,
        versions,
        nullableVersions: nullableInVersions,
        taggedVersions,
        tag,
        ignorable: raw.ignorable === true,
        flexibleVersions: fieldFlexible,
        default: parseDefault(raw, type, !nullableInVersions.empty, at),
      };
    });
  }

  const root: StructDef = {
    specName: spec.name,
    tsName: spec.name,
    fields: buildFields(spec.fields, spec.file),
    possibleVersions: validVersions,
  };
  // Common structs nobody references are still emitted, so their types exist for callers.
  for (const [name, cs] of [...pendingCommon]) {
    pendingCommon.delete(name);
    buildStruct(name, cs.fields, structName(name), `${spec.file}#common`);
  }
  computePossibleVersions(root, order);

  return {
    name: spec.name,
    kind: spec.type,
    apiKey: spec.apiKey ?? null,
    validVersions,
    flexibleVersions,
    deprecatedVersions: Versions.parse(spec.deprecatedVersions, Versions.NONE),
    latestVersionUnstable: spec.latestVersionUnstable === true,
    root,
    structs: order,
  };
}

function structOf(type: FieldType): StructDef | null {
  if (type.kind === 'struct') return type.struct;
  if (type.kind === 'array' && type.element.kind === 'struct') return type.element.struct;
  return null;
}

/** Propagates the versions each struct can appear in, from the root down, until nothing changes. */
function computePossibleVersions(root: StructDef, structs: StructDef[]): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const parent of [root, ...structs]) {
      for (const f of parent.fields) {
        const child = structOf(f.type);
        if (!child) continue;
        const next = child.possibleVersions.hull(f.versions.intersect(parent.possibleVersions));
        if (!next.equals(child.possibleVersions)) {
          child.possibleVersions = next;
          changed = true;
        }
      }
    }
  }
  // A struct that no valid version can hold (e.g. an unused common struct) is still given a range
  // so its functions compile; every version of the message is a safe superset.
  for (const s of structs) if (s.possibleVersions.empty) s.possibleVersions = root.possibleVersions;
}

/** Groups request/response specs by API key and checks the pair agrees on versions. */
export interface ApiDef {
  key: number;
  name: string;
  request: MessageDef;
  response: MessageDef;
}

export function pairApis(messages: MessageDef[]): ApiDef[] {
  const byKey = new Map<number, { request?: MessageDef; response?: MessageDef }>();
  for (const m of messages) {
    if (m.apiKey === null) continue;
    if (m.kind !== 'request' && m.kind !== 'response') throw new Error(`${m.name}: apiKey on a ${m.kind}`);
    const slot = byKey.get(m.apiKey) ?? {};
    if (slot[m.kind]) throw new Error(`two ${m.kind}s for API key ${m.apiKey}`);
    slot[m.kind] = m;
    byKey.set(m.apiKey, slot);
  }
  return [...byKey.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, { request, response }]) => {
      if (!request || !response) throw new Error(`API key ${key} lacks a request or a response spec`);
      const name = apiBaseName(request.name);
      if (apiBaseName(response.name) !== name) throw new Error(`API key ${key}: ${request.name} vs ${response.name}`);
      if (!request.validVersions.equals(response.validVersions) || !request.flexibleVersions.equals(response.flexibleVersions)) {
        throw new Error(`API key ${key}: request and response disagree on valid or flexible versions`);
      }
      return { key, name, request, response };
    });
}
