import { createRequire } from 'node:module';
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';

type Crc32cFn = (bytes: Uint8Array) => number;

/** What the addon built from native/crc32c.c exports (see binding.gyp). */
export interface NativeCrc32c {
  /** CRC-32C of the view's bytes by the fastest path the CPU has (see accelerator). */
  calculate(bytes: Uint8Array): number;
  /** The SSE4.2 three-stream path without folding (the table version without SSE4.2), for tests. */
  calculateSse42(bytes: Uint8Array): number;
  /** The table-driven version the addon falls back to without SSE4.2 (exported so tests can reach it). */
  calculateSoftware(bytes: Uint8Array): number;
  /** Whether the CPU has SSE4.2, so calculate uses the crc32 instruction. */
  hardware: boolean;
  /**
   * What calculate uses: 'vpclmulqdq' (carry-less multiplication folding over AVX-512 for 256 bytes
   * and more, then the crc32 instruction), 'sse4.2' (three interleaved crc32 streams) or 'software'.
   */
  accelerator: 'vpclmulqdq' | 'sse4.2' | 'software';
}

const requireNative = createRequire(import.meta.url);

/** The same path from src/records and dist/records: node-gyp builds into the package's build/. */
const ADDON_PATH = '../../build/Release/tributary_crc32c.node';

/** The project's own addon, or undefined when it was not built (the install script tolerates that). */
export function loadNativeCrc32c(): NativeCrc32c | undefined {
  try {
    return requireNative(ADDON_PATH) as NativeCrc32c;
  } catch {
    return undefined;
  }
}

const CHECK_INPUT = Buffer.from('123456789');
const CHECK_VALUE = 0xe3069283;

/**
 * A candidate is trusted only if it gives the check value and agrees with @node-rs/crc32 on an input
 * long enough to reach every code path of a multi-stream implementation (interleaved blocks, 8-byte
 * steps, byte tail, unaligned start).
 */
function verified(fn: Crc32cFn): boolean {
  if (fn(CHECK_INPUT) >>> 0 !== CHECK_VALUE) return false;
  const long = Buffer.alloc(7 * 1024 + 13);
  for (let i = 0; i < long.length; i++) long[i] = (i * 131 + (i >> 7)) & 0xff;
  const view = long.subarray(3);
  return fn(view) >>> 0 === nodeRsCrc32c(view) >>> 0;
}

/**
 * The fastest CRC-32C available. The broker checks the CRC of every produced batch, so this is on the
 * produce hot path. In order: the project's addon (native/crc32c.c: VPCLMULQDQ folding where the
 * CPU has it, 40-60 GB/s on 16 KiB here, N-API call included; else the SSE4.2 crc32 instruction on
 * three interleaved streams, 15-18 GB/s; else its own table version), else @node-rs/crc32 (prebuilt, about 4 GB/s). The addon is skipped when it
 * was not built, fails to load or computes a wrong value.
 */
function pickImplementation(): { name: string; fn: Crc32cFn } {
  const native = loadNativeCrc32c();
  if (native) {
    const calculate = native.calculate;
    if (verified(calculate)) {
      const name =
        native.accelerator === 'vpclmulqdq' ? 'vpclmulqdq folding' : native.hardware ? 'sse4.2, 3 streams' : 'software tables';
      return { name: `tributary-crc32c (${name})`, fn: calculate };
    }
  }
  return { name: '@node-rs/crc32', fn: (b) => nodeRsCrc32c(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)) };
}

const impl = pickImplementation();
const implFn = impl.fn;

/** Name of the CRC-32C implementation in use (for benchmarks and diagnostics). */
export const crc32cImplementation = impl.name;

/** CRC-32C (Castagnoli) of bytes, as record batch v2 uses. */
export function crc32c(bytes: Uint8Array): number {
  return implFn(bytes) >>> 0;
}
