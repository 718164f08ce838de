import { Code, exprIf, ifVersions, inVersions, notInVersions } from './code-writer.js';
import { defaultExpr, fieldTsType, quote, scalarLiteral } from './emit-types.js';
import type { FieldDef, FieldType, MessageDef, StructDef } from './model.js';
import { localName } from './names.js';
import { Versions } from './versions.js';

/**
 * Emits one write and one read function per struct, with version-conditional branches in the style
 * of Kafka's own generator: a branch appears only where the versions the code can run in disagree.
 */

interface Ctx {
  msg: MessageDef;
  struct: StructDef;
}

/** Where a value lives and how it is encoded in the versions `possible`. */
interface ValueSite {
  type: FieldType;
  /** Expression holding the value (writing) or variable receiving it (reading). */
  expr: string;
  /** Writer or reader variable. */
  io: string;
  possible: Versions;
  nullable: Versions;
  flexible: Versions;
  /** The field, for error messages. */
  field: string;
}

const PRIMITIVE_METHOD: Record<string, string> = {
  bool: 'bool',
  int8: 'int8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  float64: 'float64',
  uuid: 'uuid',
};

/** [compact, classic] method names for the variable-length primitives, non-null then nullable. */
const VARIABLE_METHODS: Record<string, { plain: [string, string]; nullable: [string, string] }> = {
  string: { plain: ['compactString', 'string'], nullable: ['compactNullableString', 'nullableString'] },
  bytes: { plain: ['compactBytes', 'bytes'], nullable: ['compactNullableBytes', 'nullableBytes'] },
  records: { plain: ['compactBytes', 'bytes'], nullable: ['compactNullableBytes', 'nullableBytes'] },
};

function fieldFlexible(ctx: Ctx, f: FieldDef): Versions {
  return f.flexibleVersions ?? ctx.msg.flexibleVersions;
}

function untaggedVersions(f: FieldDef): Versions {
  return f.versions.subtract(f.taggedVersions);
}

function paren(e: string): string {
  return /\|\||&&| \? /.test(e) ? `(${e})` : e;
}

function and(test: string, e: string): string {
  return `${paren(test)} && ${paren(e)}`;
}

function errorArgs(ctx: Ctx, field: string): string {
  return `${quote(ctx.struct.tsName)}, ${quote(field)}, version`;
}

/** Kafka's test for "this field does not hold its default" (decides tagged writes and version errors). */
export function nonDefaultExpr(f: FieldDef, x: string): string {
  const t = f.type;
  const nullable = !f.nullableVersions.empty;
  const isNullDefault = f.default.kind === 'null';
  const lengthy = t.kind === 'array' || (t.kind === 'primitive' && (t.name === 'bytes' || t.name === 'records'));
  if (lengthy) {
    if (isNullDefault) return `${x} !== null`;
    return nullable ? `${x} === null || ${x}.length !== 0` : `${x}.length !== 0`;
  }
  if (t.kind === 'struct') {
    if (isNullDefault) return `${x} !== null`;
    const differs = `!deepEqual(${x}, default${t.struct.tsName}())`;
    return nullable ? `${x} === null || ${differs}` : differs;
  }
  if (t.name === 'uuid') return `!isZeroUuid(${x})`;
  if (isNullDefault) return `${x} !== null`;
  const d = f.default;
  if (d.kind !== 'scalar') throw new Error(`${f.specName}: scalar field without a scalar default`);
  if (t.name === 'bool') return d.value === true ? `!${x}` : x;
  if (t.name === 'float64') return `!Object.is(${x}, ${scalarLiteral(d.value)})`;
  return `${x} !== ${scalarLiteral(d.value)}`;
}

// ---------------------------------------------------------------------------------------------
// Minimum encoded sizes, so a decoder can reject an impossible array count before looping.

function flexibleAt(ctx: Ctx, f: FieldDef, v: number): boolean {
  return fieldFlexible(ctx, f).contains(v);
}

function typeSizeAt(ctx: Ctx, type: FieldType, v: number, flexible: boolean, nullable: boolean): number {
  switch (type.kind) {
    case 'array':
      return flexible ? 1 : 4;
    case 'struct':
      return nullable ? 1 : structSizeAt(ctx, type.struct, v);
    case 'primitive':
      switch (type.name) {
        case 'bool':
        case 'int8':
          return 1;
        case 'int16':
        case 'uint16':
          return 2;
        case 'int32':
        case 'uint32':
          return 4;
        case 'int64':
        case 'float64':
          return 8;
        case 'uuid':
          return 16;
        case 'string':
          return flexible ? 1 : 2;
        default:
          return flexible ? 1 : 4;
      }
  }
}

function structSizeAt(ctx: Ctx, s: StructDef, v: number): number {
  const inner: Ctx = { msg: ctx.msg, struct: s };
  let size = ctx.msg.flexibleVersions.contains(v) ? 1 : 0;
  for (const f of s.fields) {
    if (!untaggedVersions(f).contains(v)) continue;
    size += typeSizeAt(inner, f.type, v, flexibleAt(inner, f, v), f.nullableVersions.contains(v));
  }
  return size;
}

/** The fewest bytes one array element can take in any version of `possible`. */
function elementMinSize(ctx: Ctx, element: FieldType, possible: Versions, flexible: boolean): number {
  const last = Math.min(possible.max, ctx.msg.validVersions.max);
  let min = Infinity;
  for (let v = possible.min; v <= last; v++) min = Math.min(min, typeSizeAt(ctx, element, v, flexible, false));
  return Number.isFinite(min) ? Math.max(1, min) : 1;
}

/**
 * Whether generated code refers to a variable, as opposed to a property of that name (`v.version`),
 * an object key (`{ version: version_ }`) or a string literal ('version'); unused parameters get a
 * leading underscore so the output passes noUnusedParameters.
 */
function usesIdentifier(code: string, name: string): boolean {
  return new RegExp(`(?<![.'\\w])${name}(?![\\w'])(?!\\s*:(?!:))`).test(code);
}

// ---------------------------------------------------------------------------------------------
// Writing

function flexSwitch(c: Code, site: ValueSite, compact: string, classic: string): void {
  ifVersions(
    c,
    site.possible,
    site.flexible,
    (c) => c.line(compact),
    (c) => c.line(classic),
  );
}

/** Emits the null-refusal for versions where a nullable-typed value may not be null; returns whether null is never allowed. */
function emitNullRefusal(c: Code, ctx: Ctx, site: ValueSite, testNull: boolean): boolean {
  const refuse = notInVersions(site.possible, site.nullable);
  if (refuse === 'never') return false;
  if (refuse === 'always') {
    c.line(`if (${site.expr} === null) throw nullField(${errorArgs(ctx, site.field)});`);
    return true;
  }
  const cond = testNull ? and(`${site.expr} === null`, refuse) : refuse;
  c.line(`if (${cond}) throw nullField(${errorArgs(ctx, site.field)});`);
  return false;
}

function emitWriteValue(c: Code, ctx: Ctx, site: ValueSite): void {
  const { type, expr: x, io: w } = site;
  const canBeNull = !site.nullable.empty;
  if (type.kind === 'primitive') {
    const simple = PRIMITIVE_METHOD[type.name];
    if (simple) {
      c.line(`${w}.${simple}(${x});`);
      return;
    }
    const methods = VARIABLE_METHODS[type.name]!;
    let names = methods.plain;
    if (canBeNull) {
      const neverNull = emitNullRefusal(c, ctx, site, true);
      if (!neverNull) names = methods.nullable;
    }
    flexSwitch(c, site, `${w}.${names[0]}(${x});`, `${w}.${names[1]}(${x});`);
    return;
  }
  if (type.kind === 'struct') {
    const call = `write${type.struct.tsName}(${w}, ${x}, version);`;
    if (!canBeNull) {
      c.line(call);
      return;
    }
    c.open(`if (${x} === null) {`);
    const refuse = notInVersions(site.possible, site.nullable);
    if (refuse === 'always') {
      c.line(`throw nullField(${errorArgs(ctx, site.field)});`);
    } else {
      if (refuse !== 'never') c.line(`if (${refuse}) throw nullField(${errorArgs(ctx, site.field)});`);
      c.line(`${w}.int8(-1);`);
    }
    c.reopen('} else {');
    ifVersions(c, site.possible, site.nullable, (c) => c.line(`${w}.int8(1);`));
    c.line(call);
    c.close();
    return;
  }
  // Arrays: a length (or null) and then each element, never null itself.
  const element: ValueSite = { ...site, type: type.element, expr: 'e', nullable: Versions.NONE };
  const writeElements = (c: Code): void => {
    flexSwitch(c, site, `${w}.compactArrayLength(${x}.length);`, `${w}.arrayLength(${x}.length);`);
    if (type.element.kind === 'struct') {
      c.line(`for (const e of ${x}) write${type.element.struct.tsName}(${w}, e, version);`);
    } else {
      c.open(`for (const e of ${x}) {`);
      emitWriteValue(c, ctx, element);
      c.close();
    }
  };
  if (!canBeNull) {
    writeElements(c);
    return;
  }
  c.open(`if (${x} === null) {`);
  const refuse = notInVersions(site.possible, site.nullable);
  if (refuse === 'always') {
    c.line(`throw nullField(${errorArgs(ctx, site.field)});`);
  } else {
    if (refuse !== 'never') c.line(`if (${refuse}) throw nullField(${errorArgs(ctx, site.field)});`);
    flexSwitch(c, site, `${w}.compactArrayLength(null);`, `${w}.arrayLength(null);`);
  }
  c.reopen('} else {');
  writeElements(c);
  c.close();
}

function emitFieldWrite(c: Code, ctx: Ctx, f: FieldDef, possible: Versions): void {
  const x = `v.${f.name}`;
  ifVersions(
    c,
    possible,
    untaggedVersions(f),
    (c, inside) =>
      emitWriteValue(c, ctx, {
        type: f.type,
        expr: x,
        io: 'w',
        possible: inside,
        nullable: f.nullableVersions,
        flexible: fieldFlexible(ctx, f),
        field: f.name,
      }),
    (c, outside) => {
      // Versions lacking the field (tagged versions are written in the tagged section instead).
      if (f.ignorable) return;
      const absent = notInVersions(outside, f.versions);
      if (absent === 'never') return;
      const nonDefault = nonDefaultExpr(f, x);
      const cond = absent === 'always' ? nonDefault : and(absent, nonDefault);
      c.open(`if (${cond}) {`);
      c.line(`throw nonDefaultField(${errorArgs(ctx, f.name)});`);
      c.close();
    },
  );
}

function taggedFieldsIn(s: StructDef, flexible: Versions): FieldDef[] {
  return s.fields
    .filter((f) => f.tag !== null && inVersions(flexible, f.taggedVersions) !== 'never')
    .sort((a, b) => a.tag! - b.tag!);
}

function emitTaggedWrite(c: Code, ctx: Ctx, flexible: Versions): void {
  const tagged = taggedFieldsIn(ctx.struct, flexible);
  if (tagged.length === 0) {
    c.line('w.uvarint(0);');
    return;
  }
  for (const f of tagged) {
    const inTagged = inVersions(flexible, f.taggedVersions);
    const nonDefault = nonDefaultExpr(f, `v.${f.name}`);
    c.line(`const tag${f.tag} = ${inTagged === 'always' ? nonDefault : and(inTagged, nonDefault)};`);
  }
  const count = tagged.length === 1 ? `tag${tagged[0]!.tag} ? 1 : 0` : tagged.map((f) => `(tag${f.tag} ? 1 : 0)`).join(' + ');
  c.line(`w.uvarint(${count});`);
  for (const f of tagged) {
    c.open(`if (tag${f.tag}) {`);
    c.open(`writeTaggedField(w, ${f.tag}, (t) => {`);
    emitWriteValue(c, ctx, {
      type: f.type,
      expr: `v.${f.name}`,
      io: 't',
      possible: flexible.intersect(f.taggedVersions),
      nullable: f.nullableVersions,
      flexible: Versions.ALL,
      field: f.name,
    });
    c.close('});');
    c.close();
  }
}

export function emitWriter(c: Code, msg: MessageDef, s: StructDef, exported: boolean): void {
  const ctx: Ctx = { msg, struct: s };
  const possible = s.possibleVersions;
  const body = c.capture((c) => {
    c.open('{');
    for (const f of s.fields) emitFieldWrite(c, ctx, f, possible);
    ifVersions(c, possible, msg.flexibleVersions, (c, flexible) => emitTaggedWrite(c, ctx, flexible));
  });
  const text = body.join('\n');
  const w = usesIdentifier(text, 'w') ? 'w' : '_w';
  const v = usesIdentifier(text, 'v') ? 'v' : '_v';
  const version = usesIdentifier(text, 'version') ? 'version' : '_version';
  c.line(`/** Encodes a ${s.tsName}, versions ${possible}. */`);
  c.line(`${exported ? 'export ' : ''}function write${s.tsName}(${w}: Writer, ${v}: ${s.tsName}, ${version}: number): void {`);
  c.append(body.slice(1));
  c.line('}');
}

// ---------------------------------------------------------------------------------------------
// Reading

function flexExpr(site: ValueSite, compact: string, classic: string): string {
  return exprIf(
    site.possible,
    site.flexible,
    () => compact,
    () => classic,
  );
}

/** An expression reading a non-array value. */
function readExpr(ctx: Ctx, site: ValueSite): string {
  const { type, io: r } = site;
  if (type.kind === 'primitive') {
    const simple = PRIMITIVE_METHOD[type.name];
    if (simple) return `${r}.${simple}()`;
    const methods = VARIABLE_METHODS[type.name]!;
    return exprIf(
      site.possible,
      site.nullable,
      (inside) => flexExpr({ ...site, possible: inside }, `${r}.${methods.nullable[0]}()`, `${r}.${methods.nullable[1]}()`),
      (outside) => flexExpr({ ...site, possible: outside }, `${r}.${methods.plain[0]}()`, `${r}.${methods.plain[1]}()`),
    );
  }
  if (type.kind === 'struct') {
    const call = `read${type.struct.tsName}(${r}, version)`;
    return exprIf(site.possible, site.nullable, () => `${r}.int8() < 0 ? null : ${call}`, () => call);
  }
  throw new Error(`${ctx.struct.tsName}.${site.field}: arrays are read by statements`);
}

/**
 * Reads an array into `site.expr`. With `declareAs` (the variable's type) the variable is declared
 * here, as a const when it cannot be null; otherwise it was declared earlier and is assigned.
 */
function emitReadArray(c: Code, ctx: Ctx, site: ValueSite, declareAs?: string): void {
  if (site.type.kind !== 'array') throw new Error('not an array');
  const element = site.type.element;
  const { expr: x, io: r } = site;
  const count = `${x}Count`;
  const length = exprIf(
    site.possible,
    site.flexible,
    (inside) => `${r}.compactArrayLength(${elementMinSize(ctx, element, inside, true)})`,
    (outside) => `${r}.arrayLength(${elementMinSize(ctx, element, outside, false)})`,
  );
  c.line(`const ${count} = ${length};`);
  const refuse = notInVersions(site.possible, site.nullable);
  if (refuse === 'always') {
    c.line(`if (${count} < 0) throw nullField(${errorArgs(ctx, site.field)});`);
  } else {
    if (declareAs) c.line(`let ${x}: ${declareAs};`);
    c.open(`if (${count} < 0) {`);
    if (refuse !== 'never') c.line(`if (${refuse}) throw nullField(${errorArgs(ctx, site.field)});`);
    c.line(`${x} = null;`);
    c.reopen('} else {');
  }
  const elementRead =
    element.kind === 'struct'
      ? `read${element.struct.tsName}(${r}, version)`
      : readExpr(ctx, { ...site, type: element, nullable: Versions.NONE });
  if (declareAs && refuse === 'always') c.line(`const ${x}: ${declareAs.replace(/ \| null$/, '')} = [];`);
  else c.line(`${x} = [];`);
  c.line(`for (let i = 0; i < ${count}; i++) ${x}.push(${elementRead});`);
  if (refuse !== 'always') c.close();
}

function isTaggedSomewhere(ctx: Ctx, f: FieldDef): boolean {
  return f.tag !== null && inVersions(ctx.struct.possibleVersions.intersect(ctx.msg.flexibleVersions), f.taggedVersions) !== 'never';
}

function emitFieldRead(c: Code, ctx: Ctx, f: FieldDef, possible: Versions): void {
  const local = localName(f.name);
  const site = (inside: Versions): ValueSite => ({
    type: f.type,
    expr: local,
    io: 'r',
    possible: inside,
    nullable: f.nullableVersions,
    flexible: fieldFlexible(ctx, f),
    field: f.name,
  });
  const type = fieldTsType(f);
  if (f.type.kind === 'array') {
    const present = inVersions(possible, untaggedVersions(f));
    if (present === 'always' && !isTaggedSomewhere(ctx, f)) {
      emitReadArray(c, ctx, site(possible), type);
      return;
    }
    if (present === 'never') {
      c.line(`let ${local}: ${type} = ${defaultExpr(f)};`);
      return;
    }
    c.line(`let ${local}: ${type};`);
    ifVersions(
      c,
      possible,
      untaggedVersions(f),
      (c, inside) => emitReadArray(c, ctx, site(inside)),
      (c) => c.line(`${local} = ${defaultExpr(f)};`),
    );
    return;
  }
  const keyword = isTaggedSomewhere(ctx, f) ? 'let' : 'const';
  const value = exprIf(possible, untaggedVersions(f), (inside) => readExpr(ctx, site(inside)), () => defaultExpr(f));
  c.line(`${keyword} ${local}: ${type} = ${value};`);
}

function emitTaggedRead(c: Code, ctx: Ctx, flexible: Versions): void {
  const tagged = taggedFieldsIn(ctx.struct, flexible);
  if (tagged.length === 0) {
    c.line('r.taggedFields();');
    return;
  }
  c.open('r.taggedFields((tag, _size, t) => {');
  c.open('switch (tag) {');
  for (const f of tagged) {
    c.open(`case ${f.tag}: {`);
    const notTagged = notInVersions(flexible, f.taggedVersions);
    if (notTagged !== 'never') c.line(`if (${notTagged}) return false;`);
    const local = localName(f.name);
    const site: ValueSite = {
      type: f.type,
      expr: local,
      io: 't',
      possible: flexible.intersect(f.taggedVersions),
      nullable: f.nullableVersions,
      flexible: Versions.ALL,
      field: f.name,
    };
    if (f.type.kind === 'array') emitReadArray(c, ctx, site);
    else c.line(`${local} = ${readExpr(ctx, site)};`);
    c.line('return true;');
    c.close();
  }
  c.line('default:');
  c.line('  return false;');
  c.close();
  c.close('});');
}

export function emitReader(c: Code, msg: MessageDef, s: StructDef, exported: boolean): void {
  const ctx: Ctx = { msg, struct: s };
  const possible = s.possibleVersions;
  const locals = new Set(s.fields.map((f) => localName(f.name)));
  for (const f of s.fields) {
    if (f.type.kind === 'array' && locals.has(`${localName(f.name)}Count`)) {
      throw new Error(`${s.tsName}.${f.name}: local name clash with ${f.name}Count`);
    }
  }
  const body = c.capture((c) => {
    c.open('{');
    for (const f of s.fields) emitFieldRead(c, ctx, f, possible);
    ifVersions(c, possible, msg.flexibleVersions, (c, flexible) => emitTaggedRead(c, ctx, flexible));
    if (s.fields.length === 0) {
      c.line('return {};');
    } else {
      const props = s.fields.map((f) => (localName(f.name) === f.name ? f.name : `${f.name}: ${localName(f.name)}`));
      const oneLine = `return { ${props.join(', ')} };`;
      if (oneLine.length <= 100) {
        c.line(oneLine);
      } else {
        c.open('return {');
        for (const p of props) c.line(`${p},`);
        c.close('};');
      }
    }
  });
  const text = body.join('\n');
  const r = usesIdentifier(text, 'r') ? 'r' : '_r';
  const version = usesIdentifier(text, 'version') ? 'version' : '_version';
  c.line(`/** Decodes a ${s.tsName}, versions ${possible}. */`);
  c.line(`${exported ? 'export ' : ''}function read${s.tsName}(${r}: Reader, ${version}: number): ${s.tsName} {`);
  c.append(body.slice(1));
  c.line('}');
}

/** The public whole-message encode and decode of a top-level message. */
export function emitTopLevel(c: Code, msg: MessageDef): void {
  const n = msg.name;
  const { min, max } = msg.validVersions;
  c.line(`/** Encodes a whole ${n} at \`version\` (${msg.validVersions}). */`);
  c.open(`export function encode${n}(value: ${n}, version: number): Buffer {`);
  c.line(`checkVersion(${quote(n)}, version, ${min}, ${max});`);
  c.line('const w = new Writer();');
  c.open('try {');
  c.line(`write${n}(w, value, version);`);
  c.reopen('} catch (err) {');
  c.line(`throw encodeError(${quote(n)}, err);`);
  c.close();
  c.line('return w.finish();');
  c.close();
  c.line();
  c.line(`/** Decodes a whole ${n}; the input must hold exactly one (else TRAILING_BYTES). */`);
  c.open(`export function decode${n}(input: Buffer | Reader, version: number): ${n} {`);
  c.line(`checkVersion(${quote(n)}, version, ${min}, ${max});`);
  c.line('const r = input instanceof Reader ? input : new Reader(input);');
  c.line(`const value = read${n}(r, version);`);
  c.line(`expectEnd(r, ${quote(n)});`);
  c.line('return value;');
  c.close();
}
