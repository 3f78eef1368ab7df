#!/usr/bin/env node
// Benchmark of the @replog/storage partition log against plain `fs` on the same disk.
//
// Workload: append `--gib` GiB (default 1) as 16 KiB record batches, then the same as 1 MiB
// batches, through `Log.appendAsLeader` with Kafka's default topic config (1 GiB segments, no
// fsync per append: flush.messages / flush.ms unset), with `--inflight` appends outstanding
// (default 4, as a leader serving several produce requests; 1 is also printed), then read it all
// back with `Log.read(offset, 1 MiB)` one read at a time, as a consumer does.
//
// References, in the same run, on the same buffers and directory: plain `FileHandle.write` one at
// a time, the same with `--inflight` positional writes outstanding, and `fs.writeSync`; reads
// with `FileHandle.read` of 1 MiB into a fresh buffer each (the log returns buffers its caller
// keeps). RESULT lines compare our faster append mode (1 or `--inflight` in flight) against the
// fastest reference. Both sides' files are fsynced
// outside the timed regions, so reads come from the page cache and no write-back of one phase runs
// into the next. What the log adds: the CRC-32C check of every batch, offset assignment, index
// entries; on reads an index lookup (or a remembered position), a header scan and a cut at whole
// batches.
//
// Figures are medians over `--runs` (default 3), ours and the reference taking turns to go first,
// after an untimed warm-up write.
//
// Usage: pnpm build && node scripts/bench/storage-log.mjs [--gib 1] [--runs 3] [--inflight 4] [--dir /tmp]
//        (REPLOG_BENCH_GIB overrides the default size.)
// Output: one line per figure, then
//   RESULT storage-append ours=<MB/s> reference=<MB/s> ratio=<r>
//   RESULT storage-read ours=<MB/s> reference=<MB/s> ratio=<r>
import { parseArgs } from "node:util";
import { mkdtemp, rm, open } from "node:fs/promises";
import { openSync, writeSync, closeSync, fsyncSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Log, logConfig, NodeFileIO } from "../../packages/storage/dist/index.js";
import { encodeRecordBatch } from "../../packages/protocol/dist/index.js";

const { values: args } = parseArgs({
  options: {
    gib: { type: "string", default: process.env.REPLOG_BENCH_GIB ?? "1" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: tmpdir() },
    inflight: { type: "string", default: "4" },
  },
});
const GIB = Number(args.gib);
const RUNS = Number(args.runs);
const TOTAL_BYTES = Math.round(GIB * 1024 ** 3);
const READ_BYTES = 1024 * 1024;
const INFLIGHT = Number(args.inflight);
const clock = { nowMs: () => performance.now(), wallMs: () => Date.now() };

/** A batch of about `targetBytes` with 1000-byte values, never above Kafka's max.message.bytes. */
function makeBatch(targetBytes) {
  const records = [];
  const value = Buffer.alloc(1000, "replog ");
  const count = Math.max(1, Math.floor((targetBytes - 61) / 1012));
  for (let i = 0; i < count; i++) records.push({ key: null, value, timestamp: Date.now() });
  return encodeRecordBatch({ records });
}

const mb = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `op(i)` for i < count with at most `window` outstanding. */
async function windowed(count, window, op) {
  const inflight = new Set();
  for (let i = 0; i < count; i++) {
    const p = op(i).then(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

async function oursAppend(dir, pool, count, window) {
  const log = await Log.open(join(dir, "bench-0"), logConfig(), { clock, io: new NodeFileIO() });
  // A broker makes the leader-epoch entry when it becomes leader (Kafka makeLeader, our
  // Partition.makeLeader), not on a produce request: the checkpoint file it writes (two fsyncs) is
  // leader-election work, so it happens here, before the clock starts, as the log's open does.
  await log.assignEpochStartOffset(0, 0);
  const start = performance.now();
  // The leader patches offsets into each buffer, so appends in flight need their own buffers.
  await windowed(count, window, (i) => log.appendAsLeader(pool[i % pool.length], 0));
  const ms = performance.now() - start;
  await log.flush();
  return { log, ms };
}

async function oursRead(log) {
  const end = log.logEndOffset;
  let next = 0;
  let bytes = 0;
  const start = performance.now();
  while (next < end) {
    const r = await log.read(next, READ_BYTES);
    bytes += r.records.length;
    next = r.nextOffset;
  }
  return { ms: performance.now() - start, bytes };
}

async function referenceAppendAsync(path, pool, count, window) {
  const file = await open(path, "w");
  const size = pool[0].length;
  const start = performance.now();
  await windowed(count, window, (i) => file.write(pool[i % pool.length], 0, size, i * size));
  const ms = performance.now() - start;
  await file.sync();
  await file.close();
  return ms;
}

function referenceAppendSync(path, batch, count) {
  const fd = openSync(path, "w");
  const start = performance.now();
  for (let i = 0; i < count; i++) writeSync(fd, batch, 0, batch.length);
  const ms = performance.now() - start;
  fsyncSync(fd);
  closeSync(fd);
  return ms;
}

async function referenceRead(path, total) {
  const file = await open(path, "r");
  const start = performance.now();
  let bytes = 0;
  for (let position = 0; position < total; position += READ_BYTES) {
    // A fresh buffer per read, as the log returns buffers its caller keeps.
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, total - position));
    const { bytesRead } = await file.read(buf, 0, buf.length, position);
    bytes += bytesRead;
  }
  const ms = performance.now() - start;
  await file.close();
  return { ms, bytes };
}

async function phase(dir, label, batchBytes) {
  const pool = Array.from({ length: INFLIGHT + 1 }, () => makeBatch(batchBytes));
  const batch = pool[0];
  const count = Math.ceil(TOTAL_BYTES / batch.length);
  const bytes = count * batch.length;
  const f = { ours: [], ours1: [], oursRead: [], ref1: [], refN: [], refSync: [], refRead: [] };
  const path = join(dir, "reference.bin");
  // Untimed warm-up: the first writes of a process into fresh page-cache pages are several
  // times slower than later ones, whoever makes them.
  await referenceAppendAsync(path, pool, count, INFLIGHT);
  await rm(path);
  for (let run = 0; run < RUNS; run++) {
    // Ours and the reference take turns going first, so neither always inherits the other's state.
    const oursFirst = run % 2 === 0;
    const oursSteps = async () => {
      const one = await oursAppend(dir, pool, count, 1);
      f.ours1.push(one.ms);
      await one.log.delete();
      const { log, ms } = await oursAppend(dir, pool, count, INFLIGHT);
      f.ours.push(ms);
      const r = await oursRead(log);
      if (r.bytes !== bytes) throw new Error(`read back ${r.bytes} bytes, appended ${bytes}`);
      f.oursRead.push(r.ms);
      await log.delete();
    };
    const referenceSteps = async () => {
      f.ref1.push(await referenceAppendAsync(path, pool, count, 1));
      await rm(path);
      f.refN.push(await referenceAppendAsync(path, pool, count, INFLIGHT));
      f.refRead.push((await referenceRead(path, bytes)).ms);
      await rm(path);
      f.refSync.push(referenceAppendSync(path, batch, count));
      await rm(path);
    };
    for (const steps of oursFirst ? [oursSteps, referenceSteps] : [referenceSteps, oursSteps]) await steps();
  }
  const line = (what, xs) =>
    console.log(`${label} ${what}: ${mb(bytes, median(xs)).toFixed(0)} MB/s (${(median(xs) / 1000).toFixed(2)} s for ${(bytes / 1e6).toFixed(0)} MB, ${batch.length} B batches)`);
  line(`append ours (Log.appendAsLeader, ${INFLIGHT} in flight)`, f.ours);
  line("append ours (Log.appendAsLeader, 1 in flight)", f.ours1);
  line("append reference (FileHandle.write, 1 in flight)", f.ref1);
  line(`append reference (FileHandle.write, ${INFLIGHT} in flight)`, f.refN);
  line("append reference (fs.writeSync)", f.refSync);
  line("read ours (Log.read 1 MiB)", f.oursRead);
  line("read reference (FileHandle.read 1 MiB)", f.refRead);
  return {
    bytes,
    ours: { append: Math.min(median(f.ours), median(f.ours1)), read: median(f.oursRead) },
    ref: { append: Math.min(median(f.ref1), median(f.refN), median(f.refSync)), read: median(f.refRead) },
  };
}

const dir = await mkdtemp(join(args.dir, "replog-bench-storage-"));
const cleanup = () => rm(dir, { recursive: true, force: true });
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
try {
  console.log(`storage-log bench: ${GIB} GiB per batch size, ${RUNS} run(s), in ${dir}`);
  const phases = [await phase(dir, "16KiB", 16 * 1024), await phase(dir, "1MiB", 1024 * 1024)];
  const sum = (f) => phases.reduce((n, p) => n + f(p), 0);
  const bytes = sum((p) => p.bytes);
  for (const what of ["append", "read"]) {
    const ours = mb(bytes, sum((p) => p.ours[what]));
    const reference = mb(bytes, sum((p) => p.ref[what]));
    console.log(`RESULT storage-${what} ours=${ours.toFixed(0)} reference=${reference.toFixed(0)} ratio=${(ours / reference).toFixed(2)}`);
  }
} finally {
  await cleanup();
}
