/**
 * Test-only access to compression libraries that share no code with our compression module, so
 * interop tests compare against independent implementations: snappyjs (through kafkajs-snappy),
 * the `lz4` native library (as kafkajs-lz4 loads it) and zstd-codec (zstd compiled to JS).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Untyped CommonJS packages, hence `any`.
const kafkajsSnappy = require('kafkajs-snappy') as any;
// The lz4 library exactly as kafkajs-lz4 resolves it.
const lz4 = createRequire(require.resolve('kafkajs-lz4'))('lz4') as any;
const { ZstdCodec } = require('zstd-codec') as any;

export async function snappyjsCompress(data: Buffer): Promise<Buffer> {
  return Buffer.from(await kafkajsSnappy().compress({ buffer: data }));
}

/** kafkajs-snappy's decompressor, which reads raw and xerial-framed input. */
export async function snappyjsDecompress(data: Buffer): Promise<Buffer> {
  return Buffer.from(await kafkajsSnappy().decompress(data));
}

export interface Lz4EncodeOptions {
  blockIndependence?: boolean;
  blockMaxSize?: number;
  streamChecksum?: boolean;
}

const lz4Utils = createRequire(require.resolve('kafkajs-lz4'))('lz4/lib/utils') as any;

/** The LZ4 frame header checksum byte: (xxHash32(descriptor) >> 8) & 0xff, from the lz4 library. */
export function lz4HeaderChecksum(descriptor: Buffer): number {
  return lz4Utils.descriptorChecksum(descriptor);
}

export function lz4jsEncode(data: Buffer, options: Lz4EncodeOptions = {}): Buffer {
  return lz4.encode(data, { ...options });
}

export function lz4jsDecode(data: Buffer): Buffer {
  return lz4.decode(data);
}

export interface ZstdCodecApi {
  compress(data: Buffer, level?: number): Buffer;
  /** Streaming decompression, which accepts frames without a declared content size. */
  decompress(data: Buffer): Buffer;
}

let zstd: Promise<ZstdCodecApi> | undefined;

export function zstdCodec(): Promise<ZstdCodecApi> {
  zstd ??= new Promise<any>((resolve) => ZstdCodec.run(resolve)).then((api) => {
    const simple = new api.Simple();
    const streaming = new api.Streaming();
    return {
      compress(data: Buffer, level = 3) {
        const out = simple.compress(data, level);
        if (!out) throw new Error('zstd-codec failed to compress');
        return Buffer.from(out);
      },
      decompress(data: Buffer) {
        const out = streaming.decompress(data);
        if (!out) throw new Error('zstd-codec failed to decompress');
        return Buffer.from(out);
      },
    };
  });
  return zstd;
}
