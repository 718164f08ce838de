import type { Code } from './code-writer.js';
import type { DefaultValue, FieldDef, FieldType, MessageDef, StructDef } from './model.js';

/** Emits interfaces, default-value factories and the literals both need. */

export function tsType(type: FieldType): string {
  switch (type.kind) {
    case 'struct':
      return type.struct.tsName;
    case 'array': {
      const el = tsType(type.element);
      return `${el}[]`;
    }
    case 'primitive':
      switch (type.name) {
        case 'bool':
          return 'boolean';
        case 'int64':
          return 'bigint';
        case 'string':
          return 'string';
        case 'bytes':
        case 'uuid':
        case 'records':
          return 'Buffer';
        default:
          return 'number';
      }
  }
}

export function fieldTsType(f: FieldDef): string {
  return f.nullableVersions.empty ? tsType(f.type) : `${tsType(f.type)} | null`;
}

/** The spec's spelling of a type, for doc comments ("[]TopicProduceData", "int32"). */
export function specTypeName(type: FieldType): string {
  switch (type.kind) {
    case 'struct':
      return type.struct.specName;
    case 'array':
      return `[]${specTypeName(type.element)}`;
    case 'primitive':
      return type.name;
  }
}

export function scalarLiteral(value: boolean | number | bigint | string): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return String(value);
}

export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** An expression producing a fresh default value for the field. */
export function defaultExpr(f: FieldDef): string {
  return defaultOf(f.type, f.default);
}

export function defaultOf(type: FieldType, d: DefaultValue): string {
  if (d.kind === 'null') return 'null';
  if (d.kind === 'scalar') return scalarLiteral(d.value);
  switch (type.kind) {
    case 'array':
      return '[]';
    case 'struct':
      return `default${type.struct.tsName}()`;
    case 'primitive':
      return type.name === 'uuid' ? 'Buffer.alloc(16)' : 'Buffer.alloc(0)';
  }
}

function describeDefault(f: FieldDef): string | null {
  if (f.default.kind === 'null') return 'null';
  if (f.default.kind === 'scalar') {
    const v = f.default.value;
    const isImplicit = v === 0 || v === 0n || v === false || v === '';
    return isImplicit ? null : scalarLiteral(v);
  }
  return null;
}

/** The generator's own one-line description of a field, for its doc comment. */
export function fieldDoc(f: FieldDef): string {
  const parts = [`${f.specName}: ${specTypeName(f.type)}, versions ${f.versions}`];
  if (!f.nullableVersions.empty) parts.push(`nullable ${f.nullableVersions}`);
  if (f.tag !== null) parts.push(`tag ${f.tag} in versions ${f.taggedVersions}`);
  if (f.flexibleVersions) parts.push(`flexible encoding in versions ${f.flexibleVersions}`);
  if (f.ignorable) parts.push('ignorable');
  const d = describeDefault(f);
  if (d !== null) parts.push(`default ${d}`);
  return parts.join(', ');
}

export function emitInterface(c: Code, s: StructDef, heading: string): void {
  c.line(`/** ${heading} */`);
  if (s.fields.length === 0) {
    c.line(`export type ${s.tsName} = Record<string, never>;`);
    return;
  }
  c.open(`export interface ${s.tsName} {`);
  for (const f of s.fields) {
    c.line(`/** ${fieldDoc(f)}. */`);
    c.line(`${f.name}: ${fieldTsType(f)};`);
  }
  c.close();
}

export function emitDefaultFactory(c: Code, s: StructDef): void {
  c.line(`/** A ${s.tsName} with every field at its default. */`);
  c.open(`export function default${s.tsName}(): ${s.tsName} {`);
  if (s.fields.length === 0) {
    c.line('return {};');
  } else {
    c.open('return {');
    for (const f of s.fields) c.line(`${f.name}: ${defaultExpr(f)},`);
    c.close('};');
  }
  c.close();
}

export function messageHeading(m: MessageDef): string {
  const parts = [`${m.name}`];
  if (m.apiKey !== null) parts.push(`API key ${m.apiKey}`);
  parts.push(`versions ${m.validVersions}`);
  parts.push(m.flexibleVersions.empty ? 'never flexible' : `flexible ${m.flexibleVersions}`);
  return `${parts.join(', ')}.`;
}
