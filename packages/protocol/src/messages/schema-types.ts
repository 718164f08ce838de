import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';

/**
 * Types shared by every generated message module: the compact schema descriptors the generator
 * emits beside each codec (tests build fast-check arbitraries from them; tools can walk them), the
 * codec object each message exports, and the per-API descriptor the `apiByKey` registry holds.
 */

/** Inclusive version range; an open-ended spec range ("3+") ends at 32767. */
export type VersionRange = readonly [min: number, max: number];

export type PrimitiveTypeName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

export interface ArrayTypeSchema {
  readonly array: TypeSchema;
}

export type TypeSchema = PrimitiveTypeName | ArrayTypeSchema | StructSchema;

export interface FieldSchema {
  /** Property name in the generated interface. */
  readonly name: string;
  readonly type: TypeSchema;
  /** Versions that carry the field; null if none. */
  readonly versions: VersionRange | null;
  /** Versions in which the value may be null (absent: never). */
  readonly nullableVersions?: VersionRange;
  /** Versions in which the field travels as tagged field `tag` (absent: never tagged). */
  readonly taggedVersions?: VersionRange;
  readonly tag?: number;
  /** A non-default value is silently dropped, not refused, in versions lacking the field. */
  readonly ignorable?: true;
  /** This field's own flexible versions when they differ from the message's (null: never flexible). */
  readonly flexibleVersions?: VersionRange | null;
  /**
   * The default for scalar types (bool, numbers, int64 as bigint, string or null). For bytes,
   * records, uuid, arrays and structs it is present only when the default is null; otherwise the
   * default is the empty value (empty bytes or array, all-zero uuid, a struct of defaults).
   */
  readonly default?: boolean | number | bigint | string | null;
}

export interface StructSchema {
  readonly struct: string;
  readonly fields: readonly FieldSchema[];
}

export interface MessageSchema extends StructSchema {
  readonly kind: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | null;
  readonly validVersions: VersionRange;
  /** null when no version is flexible. */
  readonly flexibleVersions: VersionRange | null;
}

/** Everything needed to encode or decode one message type. */
export interface MessageCodec<T> {
  readonly name: string;
  readonly schema: MessageSchema;
  readonly validVersions: { readonly min: number; readonly max: number };
  /** A value with every field at its default. */
  defaultValue(): T;
  /** Encodes a whole message; throws ProtocolError (UNSUPPORTED_VERSION, INVALID_VALUE). */
  encode(value: T, version: number): Buffer;
  /**
   * Decodes a whole message: the input must hold exactly one message (else TRAILING_BYTES).
   * bytes, records and uuid fields are zero-copy views of the input buffer.
   */
  decode(input: Buffer | Reader, version: number): T;
  /** Appends the message to a writer, without the version check encode() makes. */
  write(w: Writer, value: T, version: number): void;
  /** Reads one message from the reader's position; bytes after it are left unread. */
  read(r: Reader, version: number): T;
}

/** One Kafka API: its key, versions, header rules and the codecs for its request and response. */
export interface ApiSpec<Req = unknown, Res = unknown> {
  readonly key: number;
  /** Kafka's name for the API, e.g. "Produce", "ApiVersions". */
  readonly name: string;
  readonly validVersions: { readonly min: number; readonly max: number };
  /** First flexible version; flexible versions are always open-ended. null: none is flexible. */
  readonly flexibleVersions: { readonly min: number } | null;
  readonly deprecatedVersions: { readonly min: number; readonly max: number } | null;
  /** Kafka marks the highest version as still under development. */
  readonly latestVersionUnstable: boolean;
  /** Request header version for a request of this API version (any version number, even unsupported). */
  requestHeaderVersion(version: number): number;
  /** Response header version for a response of this API version. */
  responseHeaderVersion(version: number): number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}
