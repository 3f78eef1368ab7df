// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's RecordBatch v2.
// It runs on every append (validation) and on every segment scan in recovery, so speed matters:
// on the broker's append path it is the one pass over the bytes besides the write itself, and a
// page-cache write runs at a few GB/s, so a checksum at the same speed halves append throughput.
//
// Implementations, fastest first, each used only if it loads and passes a check vector:
// 1. aws-crt (AWS Common Runtime, Apache-2.0; prebuilt N-API binaries inside the npm package, no
//    install-time download on the platforms it ships): carry-less-multiply folding (PCLMULQDQ, and
//    VPCLMULQDQ with AVX-512 where the CPU has it). Measured on our 2-core AMD EPYC machine: about
//    27 GB/s on 1 MiB and 21 GB/s on 16 KiB, against 6 GB/s for the crc32 instruction alone.
//    An optional dependency: a platform without its binary falls through to the next.
// 2. @node-rs/crc32: the SSE4.2/ARMv8 crc32 instruction (prebuilt binaries as optional
//    dependencies, no install script).
// 3. A slicing-by-8 table in JavaScript.
// All are tested against the same vectors (crc32c.test.ts) and against each other
// (crc32c.test.ts, codec-primitives.property.test.ts).
import { createRequire } from "node:module";

type Crc32cFn = (data: Uint8Array, initial?: number) => number;

const POLYNOMIAL = 0x82f63b78;

// TABLES[k][b] is the CRC of byte b followed by k zero bytes: slicing-by-8 folds 8 bytes per step.
const TABLES: Int32Array = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[b] = crc;
  }
  for (let b = 0; b < 256; b++) {
    let crc = tables[b]!;
    for (let k = 1; k < 8; k++) {
      crc = tables[crc & 0xff]! ^ (crc >>> 8);
      tables[k * 256 + b] = crc;
    }
  }
  return tables;
}

/**
 * Pure-JavaScript CRC-32C (slicing-by-8). `initial` is a previous result, so
 * `crc32cJs(b, crc32cJs(a)) === crc32cJs(concat(a, b))`.
 */
export function crc32cJs(data: Uint8Array, initial = 0): number {
  const t = TABLES;
  let crc = ~initial;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const lo = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < n; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

type CandidateName = "aws-crt" | "@node-rs/crc32";

/** Loads one native implementation, or undefined if its package or binary is not there. */
function loadCandidate(name: CandidateName): Crc32cFn | undefined {
  try {
    const require = createRequire(import.meta.url);
    let fn: Crc32cFn;
    if (name === "aws-crt") {
      // The checksums module alone: the package root would also load HTTP, MQTT and the rest.
      const checksums = require("aws-crt/dist/native/checksums.js") as { crc32c: (data: Uint8Array, previous?: number) => number };
      fn = (data, initial = 0) => checksums.crc32c(data, initial) >>> 0;
    } else {
      const native = require("@node-rs/crc32") as { crc32c: (input: Uint8Array, initialState?: number) => number };
      fn = (data, initial = 0) => native.crc32c(data, initial) >>> 0;
    }
    // Check the binary before trusting it with every batch: the standard check value, a
    // continuation, and a view into a larger buffer (the offset must be honoured).
    const framed = Buffer.from("xx123456789yy").subarray(2, 11);
    if (fn(framed) !== 0xe3069283 || fn(framed.subarray(4), fn(framed.subarray(0, 4))) !== 0xe3069283) return undefined;
    return fn;
  } catch {
    return undefined;
  }
}

const CANDIDATES: readonly CandidateName[] = ["aws-crt", "@node-rs/crc32"];

function loadNative(): { name: CandidateName; fn: Crc32cFn } | undefined {
  for (const name of CANDIDATES) {
    const fn = loadCandidate(name);
    if (fn) return { name, fn };
  }
  return undefined;
}

const native = loadNative();

/** Which implementation `crc32c` uses on this process. */
export const CRC32C_IMPLEMENTATION: CandidateName | "js" = native?.name ?? "js";

/**
 * The native implementations that load on this process, by name (for tests and benchmarks that
 * compare them). Each was checked against the standard vector on load.
 */
export function nativeCrc32cImplementations(): Array<{ name: CandidateName; fn: Crc32cFn }> {
  return CANDIDATES.flatMap((name) => {
    const fn = loadCandidate(name);
    return fn ? [{ name, fn }] : [];
  });
}

/**
 * CRC-32C of `data` as an unsigned 32-bit number. `initial` continues a previous result, so a
 * checksum can be computed over several pieces: `crc32c(b, crc32c(a)) === crc32c(a ++ b)`.
 */
export const crc32c: Crc32cFn = native?.fn ?? crc32cJs;
