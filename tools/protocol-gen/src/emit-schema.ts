import type { Code } from './code-writer.js';
import { quote, scalarLiteral } from './emit-types.js';
import type { FieldDef, FieldType, MessageDef, StructDef } from './model.js';
import { camelCase } from './names.js';
import type { Versions } from './versions.js';

/**
 * Emits the compact schema descriptor of each message: field names, types, version ranges,
 * nullability, tags and defaults, as data the tests (and tools) can walk.
 */

export function schemaConstName(s: StructDef): string {
  return `${camelCase(s.tsName)}Schema`;
}

function range(v: Versions): string {
  return v.empty ? 'null' : `[${v.min}, ${v.max}]`;
}

function typeSchema(type: FieldType): string {
  switch (type.kind) {
    case 'primitive':
      return quote(type.name);
    case 'struct':
      return schemaConstName(type.struct);
    case 'array':
      return `{ array: ${typeSchema(type.element)} }`;
  }
}

function fieldSchema(f: FieldDef): string {
  const parts = [`name: ${quote(f.name)}`, `type: ${typeSchema(f.type)}`, `versions: ${range(f.versions)}`];
  if (!f.nullableVersions.empty) parts.push(`nullableVersions: ${range(f.nullableVersions)}`);
  if (f.tag !== null) parts.push(`taggedVersions: ${range(f.taggedVersions)}`, `tag: ${f.tag}`);
  if (f.ignorable) parts.push('ignorable: true');
  if (f.flexibleVersions) parts.push(`flexibleVersions: ${range(f.flexibleVersions)}`);
  if (f.default.kind === 'null') parts.push('default: null');
  else if (f.default.kind === 'scalar') parts.push(`default: ${scalarLiteral(f.default.value)}`);
  return `{ ${parts.join(', ')} },`;
}

function emitFields(c: Code, s: StructDef): void {
  if (s.fields.length === 0) {
    c.line('fields: [],');
    return;
  }
  c.open('fields: [');
  for (const f of s.fields) c.line(fieldSchema(f));
  c.close('],');
}

export function emitStructSchema(c: Code, s: StructDef): void {
  c.open(`const ${schemaConstName(s)}: StructSchema = {`);
  c.line(`struct: ${quote(s.tsName)},`);
  emitFields(c, s);
  c.close('};');
}

export function emitMessageSchema(c: Code, m: MessageDef): void {
  c.line(`/** Schema descriptor of ${m.name}. */`);
  c.open(`export const ${schemaConstName(m.root)}: MessageSchema = {`);
  c.line(`struct: ${quote(m.name)},`);
  c.line(`kind: ${quote(m.kind)},`);
  c.line(`apiKey: ${m.apiKey ?? 'null'},`);
  c.line(`validVersions: ${range(m.validVersions)},`);
  c.line(`flexibleVersions: ${range(m.flexibleVersions)},`);
  emitFields(c, m.root);
  c.close('};');
}
