import type { FieldSchema, MessageCodec, StructSchema, TypeSchema } from '@tributary/protocol';

/**
 * Building "everything you asked about failed with error X" responses from the message schemas,
 * the way Kafka's AbstractRequest.getErrorResponse does per API by hand: walk the response schema,
 * set every errorCode, and fill each array of per-topic / per-partition / per-group results with one
 * entry per entry of the matching request array, copying the identifying fields (topic name, topic
 * id, partition index, group id...). Used by the dispatcher when a handler throws; a handler can
 * override it with its own errorResponse().
 */

type Struct = Record<string, unknown>;

/** Identifying fields: a response field takes its value from a request field of the same group. */
const IDENTITY_GROUPS: readonly (readonly string[])[] = [
  ['name', 'topic', 'topicName'],
  ['partitionIndex', 'partition', 'index', 'partitionId'],
  ['topicId'],
  ['groupId'],
  ['transactionalId'],
  ['resourceType'],
  ['resourceName'],
  ['key'],
];

function identityGroup(name: string): readonly string[] | undefined {
  return IDENTITY_GROUPS.find((g) => g.includes(name));
}

function isStruct(t: TypeSchema): t is StructSchema {
  return typeof t === 'object' && 'struct' in t;
}

function arrayElement(t: TypeSchema): TypeSchema | undefined {
  return typeof t === 'object' && 'array' in t ? t.array : undefined;
}

/** A value of a struct with every field at its default (as the generated default*() functions build). */
export function defaultStruct(schema: StructSchema): Struct {
  const out: Struct = {};
  for (const f of schema.fields) out[f.name] = defaultField(f);
  return out;
}

function defaultField(f: FieldSchema): unknown {
  if (f.default !== undefined) return f.default;
  const t = f.type;
  if (typeof t === 'string') {
    switch (t) {
      case 'bool':
        return false;
      case 'string':
        return '';
      case 'bytes':
      case 'records':
        return Buffer.alloc(0);
      case 'uuid':
        return Buffer.alloc(16);
      case 'int64':
        return 0n;
      default:
        return 0;
    }
  }
  if (arrayElement(t)) return [];
  return defaultStruct(t as StructSchema);
}

/** Sets every errorCode field in a value (recursively); returns how many it set. */
export function fillErrorCodes(value: Struct, schema: StructSchema, errorCode: number): number {
  let count = 0;
  for (const f of schema.fields) {
    if (f.name === 'errorCode' && f.type === 'int16') {
      value[f.name] = errorCode;
      count++;
      continue;
    }
    const elem = arrayElement(f.type);
    if (elem && isStruct(elem) && Array.isArray(value[f.name])) {
      for (const e of value[f.name] as Struct[]) count += fillErrorCodes(e, elem, errorCode);
    } else if (isStruct(f.type) && value[f.name]) {
      count += fillErrorCodes(value[f.name] as Struct, f.type, errorCode);
    }
  }
  return count;
}

/**
 * The error response for `request`, or undefined when the schema has nowhere to put an error for
 * it (no errorCode reached), in which case the connection has to be closed instead.
 */
export function mirrorErrorResponse<Req, Res>(
  requestCodec: MessageCodec<Req>,
  responseCodec: MessageCodec<Res>,
  request: Req,
  version: number,
  errorCode: number,
): Res | undefined {
  const response = mirrorStruct(requestCodec.schema, request as Struct, responseCodec.schema, version);
  return fillErrorCodes(response, responseCodec.schema, errorCode) > 0 ? (response as Res) : undefined;
}

/** Whether a field exists in this version (fields of other versions keep their defaults). */
function inVersion(f: FieldSchema, version: number): boolean {
  return f.versions !== null && f.versions[0] <= version && version <= f.versions[1];
}

function mirrorStruct(reqSchema: StructSchema, req: Struct, resSchema: StructSchema, version: number): Struct {
  const out = defaultStruct(resSchema);
  for (const f of resSchema.fields) {
    if (!inVersion(f, version)) continue;
    const elem = arrayElement(f.type);
    if (elem !== undefined) {
      const source = pairArray(reqSchema, f, elem, version);
      const items = source ? req[source.field.name] : undefined;
      if (source && Array.isArray(items)) out[f.name] = items.map((item) => mirrorItem(source.elem, item, elem, version));
      continue;
    }
    const group = identityGroup(f.name);
    if (!group || typeof f.type !== 'string') continue;
    const from = reqSchema.fields.find((r) => inVersion(r, version) && group.includes(r.name) && r.type === f.type);
    if (from && req[from.name] !== undefined) out[f.name] = req[from.name];
  }
  return out;
}

/** One response array element from one request array element (a struct, or a bare name / index). */
function mirrorItem(reqElem: TypeSchema, item: unknown, resElem: TypeSchema, version: number): unknown {
  if (!isStruct(resElem)) return defaultField({ name: '', type: resElem, versions: null });
  if (isStruct(reqElem)) return mirrorStruct(reqElem, item as Struct, resElem, version);
  // A request listing bare names or indexes (DeleteTopics v0-5, DescribeGroups, DeleteGroups):
  // the value goes to the response element's first identifying field of that type.
  const out = defaultStruct(resElem);
  const target = resElem.fields.find((f) => inVersion(f, version) && f.type === reqElem && identityGroup(f.name) !== undefined);
  if (target) out[target.name] = item;
  return out;
}

/**
 * The request array a response array reports on: the same name if there is one, else the one
 * whose elements share the most identifying fields and nested arrays with the response's.
 */
function pairArray(
  reqSchema: StructSchema,
  resField: FieldSchema,
  resElem: TypeSchema,
  version: number,
): { field: FieldSchema; elem: TypeSchema } | undefined {
  let best: { field: FieldSchema; elem: TypeSchema; score: number } | undefined;
  for (const r of reqSchema.fields) {
    const elem = arrayElement(r.type);
    if (elem === undefined || !inVersion(r, version)) continue;
    const score = (r.name === resField.name ? 100 : 0) + similarity(elem, resElem);
    if (score > 0 && (!best || score > best.score)) best = { field: r, elem, score };
  }
  return best;
}

function similarity(reqElem: TypeSchema, resElem: TypeSchema): number {
  if (!isStruct(resElem)) return 0;
  if (!isStruct(reqElem)) {
    // Bare strings or ints match a response element with an identifying field of that type.
    return resElem.fields.some((f) => f.type === reqElem && identityGroup(f.name) !== undefined) ? 1 : 0;
  }
  let score = 0;
  for (const f of resElem.fields) {
    const group = identityGroup(f.name);
    if (group && reqElem.fields.some((r) => group.includes(r.name) && r.type === f.type)) score++;
    const elem = arrayElement(f.type);
    if (elem && isStruct(elem) && reqElem.fields.some((r) => r.name === f.name && isStruct(arrayElement(r.type) ?? 'bool'))) score++;
  }
  return score;
}
