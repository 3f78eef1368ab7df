// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's RecordBatch v2.
// It runs on every append (validation) and on every segment scan in recovery, so speed matters:
// we use the native SSE4.2/ARMv8 implementation from @node-rs/crc32 (prebuilt N-API binaries
// shipped as optional dependencies, no install script) and fall back to a slicing-by-8 table in
// JavaScript when that binary cannot be loaded on a platform. Both are tested against the same
// vectors (crc32c.test.ts) and against each other (crc32c.property.test.ts).
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

function loadNative(): Crc32cFn | undefined {
  try {
    const require = createRequire(import.meta.url);
    const native = require("@node-rs/crc32") as { crc32c: (input: Uint8Array, initialState?: number) => number };
    // Check the binary once before trusting it with every batch.
    if (native.crc32c(Buffer.from("123456789")) !== 0xe3069283) return undefined;
    return (data, initial = 0) => native.crc32c(data, initial) >>> 0;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation `crc32c` uses on this process: "native" (@node-rs/crc32) or "js". */
export const CRC32C_IMPLEMENTATION: "native" | "js" = native === undefined ? "js" : "native";

/**
 * CRC-32C of `data` as an unsigned 32-bit number. `initial` continues a previous result, so a
 * checksum can be computed over several pieces: `crc32c(b, crc32c(a)) === crc32c(a ++ b)`.
 */
export const crc32c: Crc32cFn = native ?? crc32cJs;
