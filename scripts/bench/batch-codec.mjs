#!/usr/bin/env node
// Benchmark of the RecordBatch v2 codec of @replog/protocol against KafkaJS 2.2.4's own RecordBatch
// encoder and decoder (the modules its producer and consumer use), on the same records.
//
// Workload: 16 KiB batches of 100-byte values (no key), CreateTime timestamps, uncompressed; gzip is
// measured too as extra figures. Every figure is the median of N runs of `--seconds` each, with
// ours and the reference interleaved run by run, so that machine noise hits both alike
// (reference/performance.md B0). Before timing, each side's output is decoded by the other side
// to show that both encode the same records.
//
// Notes for reading the numbers:
// - our decode checks the CRC-32C of every batch first; KafkaJS's decoder does not check it;
// - KafkaJS's encoder is async (it awaits the compression codec), so its per-batch cost includes
//   one promise; that is how its producer calls it;
// - our decoded keys and values are views into the batch buffer; KafkaJS's are copies.
//
// Usage: pnpm build && node --expose-gc scripts/bench/batch-codec.mjs [--runs 5] [--seconds 1]
// Output: one line per figure, then
//   RESULT batch-encode ours=<records/s> reference=<records/s> ratio=<r>
//   RESULT batch-decode ours=<records/s> reference=<records/s> ratio=<r>
//   RESULT crc32c ours=<MB/s> reference=<MB/s> ratio=<r>   (native vs pure-JS fallback, 16 KiB)
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import {
  crc32c,
  crc32cJs,
  CRC32C_IMPLEMENTATION,
  decodeRecords,
  encodeRecordBatch,
  RecordBatchBuilder,
  BATCH_HEADER_SIZE,
} from "../../packages/protocol/dist/index.js";

const require = createRequire(import.meta.url);
const KafkaJsRecord = require("kafkajs/src/protocol/recordBatch/record/v0");
const { RecordBatch: KafkaJsRecordBatch } = require("kafkajs/src/protocol/recordBatch/v0");
const kafkaJsDecodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder");
const KafkaJsDecoder = require("kafkajs/src/protocol/decoder");

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "5" }, seconds: { type: "string", default: "1" } },
});
const RUNS = Number(args.runs);
const RUN_MS = Number(args.seconds) * 1000;

const VALUE_BYTES = 100;
const BATCH_BYTES = 16 * 1024;
// A 100-byte value with no key takes at most 100 + 11 bytes as a record (length 2, attributes 1,
// timestamp delta 2, offset delta 2, key length 1, value length 2, header count 1).
const RECORDS_PER_BATCH = Math.floor((BATCH_BYTES - BATCH_HEADER_SIZE) / (VALUE_BYTES + 11));
const BATCHES = 64; // Distinct inputs, cycled, so that no run works on one hot batch only.
const BASE_TS = 1_700_000_000_000;

/** Deterministic pseudo-random bytes (xorshift32), so that runs are comparable. */
function bytes(n, seed) {
  const out = Buffer.allocUnsafe(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const inputs = Array.from({ length: BATCHES }, (_, b) =>
  Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    key: null,
    value: bytes(VALUE_BYTES, b * 100_003 + i + 1),
    timestamp: BASE_TS + b * 1000 + i,
  })),
);

function encodeOurs(records, compression = "none") {
  return encodeRecordBatch({ compression, records });
}

function encodeOursBuilder(records) {
  const builder = new RecordBatchBuilder({ initialCapacity: BATCH_BYTES });
  for (let i = 0; i < records.length; i++) builder.append(records[i].key, records[i].value, undefined, records[i].timestamp);
  return builder.build();
}

/** KafkaJS's produce path (produce/v3 request): one Record encoder per message, then RecordBatch. */
async function encodeKafkaJs(records, compression = 0) {
  const firstTimestamp = records[0].timestamp;
  const encoded = records.map((r, i) =>
    KafkaJsRecord({ key: r.key, value: r.value, offsetDelta: i, timestampDelta: r.timestamp - firstTimestamp }),
  );
  const batch = await KafkaJsRecordBatch({
    compression,
    records: encoded,
    firstTimestamp,
    maxTimestamp: records[records.length - 1].timestamp,
    lastOffsetDelta: records.length - 1,
  });
  return batch.buffer;
}

function decodeKafkaJs(buf) {
  return kafkaJsDecodeBatch(new KafkaJsDecoder(buf));
}

/** Runs `step(i)` (sync or async) for RUN_MS and returns units per second. */
async function timed(step, unitsPerStep, isAsync) {
  let steps = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(RUN_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 16; k++, steps++) {
      if (isAsync) await step(steps);
      else step(steps);
    }
    now = process.hrtime.bigint();
  }
  return (steps * unitsPerStep) / (Number(now - start) / 1e9);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString("en-US");

/**
 * Interleaves the contenders run by run, rotating who goes first so that no contender always
 * pays for the garbage the previous one left (KafkaJS allocates far more); with --expose-gc the
 * heap is also collected before every run. Returns the list of runs per contender.
 */
async function compare(contenders) {
  const results = contenders.map(() => []);
  for (const c of contenders) await timed(c.step, c.units, c.isAsync); // Warm-up (JIT).
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < contenders.length; k++) {
      const j = (run + k) % contenders.length;
      const c = contenders[j];
      globalThis.gc?.();
      results[j].push(await timed(c.step, c.units, c.isAsync));
    }
  }
  for (let j = 0; j < contenders.length; j++) {
    const xs = results[j];
    const { name, unit } = contenders[j];
    console.log(`${name}: ${fmt(median(xs))} ${unit} (median of ${RUNS}, min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`);
  }
  return results.map(median);
}

async function crossCheck() {
  const ours = encodeOurs(inputs[0]);
  const theirs = await encodeKafkaJs(inputs[0]);
  const fromTheirs = decodeRecords(theirs);
  const fromOurs = await decodeKafkaJs(ours);
  const same =
    ours.length === theirs.length &&
    fromTheirs.every((r, i) => r.value.equals(inputs[0][i].value) && r.timestamp === inputs[0][i].timestamp) &&
    fromOurs.records.every((r, i) => r.value.equals(inputs[0][i].value) && Number(r.timestamp) === inputs[0][i].timestamp);
  if (!same) throw new Error("cross-check failed: the two encoders disagree on the same records");
  if (ours.length > BATCH_BYTES) throw new Error(`batch of ${ours.length} B exceeds ${BATCH_BYTES} B`);
  console.log(
    `setup: ${RECORDS_PER_BATCH} records of ${VALUE_BYTES} B per batch, batch ${ours.length} B, ${BATCHES} distinct batches, ` +
      `runs ${RUNS} x ${RUN_MS} ms, node ${process.version}, crc32c ${CRC32C_IMPLEMENTATION}; cross-check ok`,
  );
}

async function main() {
  await crossCheck();
  const n = RECORDS_PER_BATCH;
  const [encOurs, , encRef] = await compare([
    { name: "batch-encode ours (encodeRecordBatch)", unit: "records/s", units: n, step: (i) => encodeOurs(inputs[i % BATCHES]) },
    { name: "batch-encode ours (RecordBatchBuilder)", unit: "records/s", units: n, step: (i) => encodeOursBuilder(inputs[i % BATCHES]) },
    { name: "batch-encode reference (KafkaJS 2.2.4)", unit: "records/s", units: n, step: (i) => encodeKafkaJs(inputs[i % BATCHES]), isAsync: true },
  ]);

  const oursBatches = inputs.map((records) => encodeOurs(records));
  const [decOurs, decRef] = await compare([
    { name: "batch-decode ours (decodeRecords, CRC checked)", unit: "records/s", units: n, step: (i) => decodeRecords(oursBatches[i % BATCHES]) },
    { name: "batch-decode reference (KafkaJS 2.2.4, no CRC check)", unit: "records/s", units: n, step: (i) => decodeKafkaJs(oursBatches[i % BATCHES]), isAsync: true },
  ]);

  const gzipOurs = inputs.map((records) => encodeOurs(records, "gzip"));
  await compare([
    { name: "batch-encode-gzip ours", unit: "records/s", units: n, step: (i) => encodeOurs(inputs[i % BATCHES], "gzip") },
    { name: "batch-encode-gzip reference (KafkaJS 2.2.4)", unit: "records/s", units: n, step: (i) => encodeKafkaJs(inputs[i % BATCHES], 1), isAsync: true },
    { name: "batch-decode-gzip ours", unit: "records/s", units: n, step: (i) => decodeRecords(gzipOurs[i % BATCHES]) },
    { name: "batch-decode-gzip reference (KafkaJS 2.2.4)", unit: "records/s", units: n, step: (i) => decodeKafkaJs(gzipOurs[i % BATCHES]), isAsync: true },
  ]);

  const crcUnitMB = oursBatches[0].length / 1e6;
  const [crcOurs, crcRef] = await compare([
    { name: `crc32c exported (${CRC32C_IMPLEMENTATION}), 16 KiB`, unit: "MB/s", units: crcUnitMB, step: (i) => crc32c(oursBatches[i % BATCHES]) },
    { name: "crc32c pure-JS slicing-by-8 fallback, 16 KiB", unit: "MB/s", units: crcUnitMB, step: (i) => crc32cJs(oursBatches[i % BATCHES]) },
  ]);

  const line = (what, ours, ref) => `RESULT ${what} ours=${Math.round(ours)} reference=${Math.round(ref)} ratio=${(ours / ref).toFixed(2)}`;
  console.log(line("batch-encode", encOurs, encRef));
  console.log(line("batch-decode", decOurs, decRef));
  console.log(line("crc32c", crcOurs, crcRef));
}

await main();
