// pnpm bench:replication — produce on a real `replog dev` cluster (3 controllers, 3 brokers, loopback)
// through @replog/client, next to two references measured in the same run on the same box
// (shared/reference/performance.md A3, A4, B2, B3):
//
//   ours       one topic RF 3 with min.insync.replicas=2, 100-byte records, acks=all, then acks=1,
//              then a topic RF 1 with acks=1. Per configuration: pipelined sends (records/s, MB/s,
//              per-send latency p50/p99), one record at a time awaited (p50/p99), and end-to-end
//              latency at a fixed rate (send → a consumer of the topic hands the record out).
//   grpc-js    the transport's ceiling: one bare bidi stream echoing messages of the producer's
//              batch size (window 8) and of one record (window 1) between two processes.
//   NATS       a three-node JetStream cluster with an R3 file stream (Debian's nats-server, the
//              `nats` npm client): acked publishes with 1,000 in flight, and one at a time.
//
// This box is shared and noisy (±30–50% between runs, performance.md B0), so the throughput and
// one-at-a-time phases run in rounds, interleaved NATS / acks=all / acks=1 / RF 1, with both
// clusters up the whole time; a figure is the median over the rounds (min–max shown) and latency
// percentiles are over every sample of every round.
//
// Figures go to stdout one per line, progress to stderr, and the run ends with three RESULT lines.
// Without nats-server the NATS figures and references are printed as unavailable, never guessed.
// Every process started here is stopped and every temporary directory removed on exit, on failure
// and on Ctrl-C.
//
// Usage: node scripts/bench/replication.mjs [--seconds 3] [--warmup-seconds 1] [--rounds 3]
//        [--records N] [--partitions 3] [--inflight 128] [--send-records 100] [--linger-ms 5]
//        [--batch-size 16384] [--e2e-rate 1000] [--nats-inflight 1000]
// --seconds and --rounds lengthen every measured window; --records N also ends a window after N
// records. The defaults take about three minutes on the 2-core box.

import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import * as hdr from "hdr-histogram-js";
import { connect as natsConnect, StorageType } from "nats";
import { Replog, logLevel } from "../../packages/client/dist/index.js";
import { killDevClusterSync, startDevCluster, stopDevCluster } from "./dev-cluster.mjs";
import { runEcho } from "./grpc-echo.mjs";
import { findNatsServer, killNatsClusterSync, NATS_CLIENT_PORTS, natsLogTail, startNatsCluster, stopNatsCluster } from "./nats-cluster.mjs";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    "warmup-seconds": { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
    records: { type: "string", default: "0" },
    partitions: { type: "string", default: "3" },
    inflight: { type: "string", default: "128" },
    "send-records": { type: "string", default: "100" },
    "linger-ms": { type: "string", default: "5" },
    "batch-size": { type: "string", default: "16384" },
    "e2e-rate": { type: "string", default: "1000" },
    "nats-inflight": { type: "string", default: "1000" },
  },
});
const MEASURE_MS = Number(opts.seconds) * 1000;
const WARMUP_MS = Number(opts["warmup-seconds"]) * 1000;
const ROUNDS = Number(opts.rounds);
const MAX_RECORDS = Number(opts.records) > 0 ? Number(opts.records) : Number.POSITIVE_INFINITY;
const PARTITIONS = Number(opts.partitions);
const INFLIGHT = Number(opts.inflight);
const SEND_RECORDS = Number(opts["send-records"]);
const LINGER_MS = Number(opts["linger-ms"]);
const BATCH_SIZE = Number(opts["batch-size"]);
const E2E_RATE = Number(opts["e2e-rate"]);
const NATS_INFLIGHT = Number(opts["nats-inflight"]);
const RECORD_BYTES = 100;
for (const [name, v] of Object.entries({ MEASURE_MS, WARMUP_MS, ROUNDS, PARTITIONS, INFLIGHT, SEND_RECORDS, LINGER_MS, BATCH_SIZE, E2E_RATE, NATS_INFLIGHT })) {
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !["WARMUP_MS", "LINGER_MS"].includes(name))) {
    process.stderr.write(`bad option value for ${name}: ${v}\n`);
    process.exit(2);
  }
}

const out = (line) => process.stdout.write(line + "\n");
const progress = (line) => process.stderr.write(`[bench:replication ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started is recorded here before anything can throw.

const state = { dirs: [], devDir: undefined, natsProcs: [], echoChild: undefined, closers: [] };

function cleanupSync() {
  killDevClusterSync(state.devDir);
  killNatsClusterSync(state.natsProcs);
  if (state.echoChild && state.echoChild.exitCode === null) state.echoChild.kill("SIGKILL");
  for (const d of state.dirs) rmSync(d, { recursive: true, force: true });
  state.dirs = [];
}

let cleaning;
let interrupted = false;

/**
 * The orderly stop: clients first, then `replog dev stop`, then nats-server; SIGKILL as a fallback.
 * Once only: Ctrl-C and the failure it causes in the running phase both end up here.
 */
function cleanup() {
  cleaning ??= stopEverything();
  return cleaning;
}

async function stopEverything() {
  for (const close of state.closers.splice(0).reverse()) {
    await Promise.race([close().catch(() => undefined), sleep(5_000)]);
  }
  await stopDevCluster(state.devDir, progress);
  if (state.natsProcs.length > 0) progress("stopping the NATS servers");
  await stopNatsCluster(state.natsProcs);
  cleanupSync();
  state.devDir = undefined;
}

process.on("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    interrupted = true;
    progress(`${sig}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  state.dirs.push(d);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** Microsecond histogram, up to two minutes. */
const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
const ms = (h, p) => h.getValueAtPercentile(p) / 1000;
const fmtMs = (v) => v.toFixed(3);
const fmtRate = (v) => String(Math.round(v));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs `call` (which sends `recordsPerCall` records and resolves when they are acknowledged) from
 * `concurrency` loops at once: a warm-up, then a measured window that ends after `measureMs` or
 * MAX_RECORDS. Returns records/s over the window and records into `h` the latency of every call
 * started and finished inside it (µs).
 */
async function drive(label, { call, concurrency, recordsPerCall }, h, measureMs = MEASURE_MS) {
  let measuring = false;
  let stop = false;
  let records = 0;
  let tStart = 0;
  let tEnd = 0;
  let cpuStart;
  let cpu;
  const window = new AbortController();
  const end = () => {
    if (stop) return;
    stop = true;
    tEnd = performance.now();
    cpu = process.cpuUsage(cpuStart);
    window.abort();
  };
  const loop = async () => {
    while (!stop) {
      const started = measuring;
      const t0 = performance.now();
      await call();
      if (!started || !measuring || stop) continue;
      h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      records += recordsPerCall;
      if (records >= MAX_RECORDS) end();
    }
  };
  const ticker = setInterval(() => {
    if (measuring) progress(`${label}: ${records} records, ${fmtRate(records / ((performance.now() - tStart) / 1000))} records/s so far`);
  }, 2_000);
  const loops = Array.from({ length: concurrency }, loop);
  const timers = (async () => {
    await sleep(WARMUP_MS, undefined, { signal: window.signal });
    measuring = true;
    tStart = performance.now();
    cpuStart = process.cpuUsage();
    await sleep(measureMs, undefined, { signal: window.signal });
    end();
  })().catch((e) => {
    if (e.name !== "AbortError") throw e;
  });
  try {
    // A failed call ends every loop and the run: a failed send on a healthy cluster is a finding.
    await Promise.all(
      [...loops, timers].map((p) =>
        p.catch((e) => {
          end();
          throw e;
        }),
      ),
    );
  } finally {
    clearInterval(ticker);
    measuring = false;
  }
  const seconds = (tEnd - tStart) / 1000;
  return { rate: records / seconds, cpu: (cpu.user + cpu.system) / 1e6 / seconds };
}

/** The figures of one subject (a NATS stream or a replog configuration) over all rounds. */
function subjectResults() {
  return { pipelined: { rates: [], cpu: [], histogram: histogram() }, sync: { rates: [], cpu: [], histogram: histogram() } };
}

function report(name, phase, r) {
  const rate = median(r.rates);
  const range = `[${fmtRate(Math.min(...r.rates))}–${fmtRate(Math.max(...r.rates))}]`;
  out(`${name} ${phase} records/s: ${fmtRate(rate)} ${range} over ${r.rates.length} round(s)`);
  out(`${name} ${phase} MB/s: ${((rate * RECORD_BYTES) / 1e6).toFixed(2)}`);
  out(`${name} ${phase} latency p50/p99 ms: ${fmtMs(ms(r.histogram, 50))} / ${fmtMs(ms(r.histogram, 99))}`);
  out(`${name} ${phase} client process CPU %: ${(median(r.cpu) * 100).toFixed(0)}`);
}

// ---------------------------------------------------------------------------------------------
// Reference 1: the grpc-js ceiling.

async function grpcCeiling() {
  progress("grpc-js ceiling: starting the echo server process");
  const child = fork(join(import.meta.dirname, "grpc-echo.mjs"), ["serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  state.echoChild = child;
  const port = await new Promise((resolve, reject) => {
    child.once("message", (m) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`the echo server exited (${code}) before listening`)));
  });
  const results = {};
  for (const [name, size, window] of [["batch", BATCH_SIZE, 8], ["record", RECORD_BYTES, 1]]) {
    progress(`grpc-js ceiling: echo of ${size}-byte messages, ${window} in flight, ${MEASURE_MS / 1000} s`);
    const h = histogram();
    const r = await runEcho({ port, size, window, warmupMs: Math.max(WARMUP_MS, 1_000), measureMs: MEASURE_MS, histogram: h });
    results[name] = { ...r, p50: ms(h, 50), p99: ms(h, 99) };
  }
  child.kill("SIGTERM");
  state.echoChild = undefined;
  const b = results.batch;
  const r = results.record;
  out(`grpc-ceiling echo ${BATCH_SIZE}B window=8 messages/s: ${fmtRate(b.messagesPerSecond)}`);
  out(`grpc-ceiling echo ${BATCH_SIZE}B window=8 MB/s (each way): ${(b.bytesPerSecond / 1e6).toFixed(1)}`);
  out(`grpc-ceiling echo ${BATCH_SIZE}B window=8 as ${RECORD_BYTES}-byte records/s: ${fmtRate(b.bytesPerSecond / RECORD_BYTES)}`);
  out(`grpc-ceiling echo ${BATCH_SIZE}B window=8 round trip p50/p99 ms: ${fmtMs(b.p50)} / ${fmtMs(b.p99)}`);
  out(`grpc-ceiling echo ${RECORD_BYTES}B window=1 round trips/s: ${fmtRate(r.messagesPerSecond)}`);
  out(`grpc-ceiling echo ${RECORD_BYTES}B window=1 round trip p50/p99 ms: ${fmtMs(r.p50)} / ${fmtMs(r.p99)}`);
}

// ---------------------------------------------------------------------------------------------
// Reference 2: NATS JetStream, three nodes, R3 file stream. Returns a subject, or undefined.

async function startNats() {
  const binary = findNatsServer();
  if (!binary) {
    out("nats R3: unavailable — nats-server is not installed (apt-get install -y nats-server); no NATS figures this run");
    return undefined;
  }
  const dir = tempDir("replog-bench-nats-");
  progress(`NATS: starting three ${binary.version} servers (client ports ${NATS_CLIENT_PORTS.join(", ")}) in ${dir}`);
  try {
    await startNatsCluster(binary.path, dir, state.natsProcs);
    const nc = await natsConnect({ servers: `127.0.0.1:${NATS_CLIENT_PORTS[0]}` });
    state.closers.push(() => nc.close());
    const jsm = await createStream(nc);
    const info = await jsm.streams.info("BENCH");
    const leader = info.cluster?.leader ?? "unknown";
    progress(`NATS: stream BENCH (R3, file) is up; its leader is ${leader}, the client is connected to n1`);
    out(`nats R3 stream leader: ${leader} (client connected to n1)`);
    const js = nc.jetstream();
    const payload = new Uint8Array(RECORD_BYTES).fill(0x61);
    const publish = () => js.publish("bench.r3", payload);
    return {
      name: "nats R3",
      pipelined: { label: `async W=${NATS_INFLIGHT}`, call: publish, concurrency: NATS_INFLIGHT, recordsPerCall: 1 },
      sync: { call: publish },
      results: subjectResults(),
    };
  } catch (e) {
    out(`nats R3: unavailable — the NATS cluster failed: ${e.message}`);
    progress(`NATS server logs:\n${natsLogTail(dir)}`);
    await stopNatsCluster(state.natsProcs);
    return undefined;
  }
}

/**
 * Creates the R3 file stream and returns the JetStream manager, retrying while the JetStream meta
 * group is still electing its leader (the API does not answer until then).
 */
async function createStream(nc) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const jsm = await nc.jetstreamManager({ timeout: 1_000 });
      await jsm.streams.add({ name: "BENCH", subjects: ["bench.>"], storage: StorageType.File, num_replicas: 3 });
      return jsm;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`could not create the R3 stream within 30 s: ${e.message}`);
      await sleep(250);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ours: replog dev and the client library.

async function startDev() {
  const dir = tempDir("replog-bench-replication-");
  state.devDir = dir;
  return startDevCluster(dir, progress);
}

async function createTopic(admin, topic, replicationFactor, minIsr) {
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor, configEntries: [{ name: "min.insync.replicas", value: String(minIsr) }] }],
  });
  const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  return meta.partitions.map((p) => `${p.partitionId}:${p.leader}`).join(" ");
}

/**
 * One subject per replog configuration. Each has a producer for pipelined sends (linger.ms as
 * configured) and one for one-record-at-a-time sends with linger.ms=0: a lone awaited record
 * would only wait out the linger.
 */
async function replogSubjects(replog) {
  const admin = replog.admin();
  await admin.connect();
  state.closers.push(() => admin.disconnect());
  const leadersRf3 = await createTopic(admin, "bench-rf3", 3, 2);
  const leadersRf1 = await createTopic(admin, "bench-rf1", 1, 1);
  out(`replog topics: ${PARTITIONS} partitions each; leaders (partition:broker) RF3 ${leadersRf3} | RF1 ${leadersRf1}`);
  const value = Buffer.alloc(RECORD_BYTES, 0x61);
  const batch = Array.from({ length: SEND_RECORDS }, () => ({ value }));
  const one = [{ value }];
  const subjects = [];
  for (const [name, topic, acks] of [["RF3 acks=all", "bench-rf3", -1], ["RF3 acks=1", "bench-rf3", 1], ["RF1 acks=1", "bench-rf1", 1]]) {
    const pipelinedProducer = replog.producer({ acks, lingerMs: LINGER_MS, batchSize: BATCH_SIZE });
    const syncProducer = replog.producer({ acks, lingerMs: 0, batchSize: BATCH_SIZE });
    await pipelinedProducer.connect();
    await syncProducer.connect();
    state.closers.push(() => pipelinedProducer.disconnect(), () => syncProducer.disconnect());
    subjects.push({
      name: `replog ${name}`,
      topic,
      acks,
      syncProducer,
      pipelined: { label: "pipelined", call: () => pipelinedProducer.send({ topic, acks, messages: batch }), concurrency: INFLIGHT, recordsPerCall: SEND_RECORDS },
      sync: { call: () => syncProducer.send({ topic, acks, messages: one }) },
      results: subjectResults(),
    });
  }
  return subjects;
}

/**
 * A consumer reads the topic from its end while the producer sends E2E_RATE records/s, what is
 * due every 5 ms; each record carries its send time (this process's monotonic clock), so the latency is the
 * time from send() to the consumer handing the record out.
 */
async function endToEnd(replog, { topic, acks, syncProducer: producer }) {
  const consumer = replog.consumer({ maxWaitTimeInMs: 500 });
  await consumer.connect();
  const h = histogram();
  let measureFrom = Number.POSITIVE_INFINITY;
  let measureUntil = Number.POSITIVE_INFINITY;
  let failure;
  let sent = 0;
  try {
    await consumer.assign([{ topic }]);
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) {
          const sentAt = m.value.length >= 8 ? m.value.readDoubleLE(0) : Number.NaN;
          if (sentAt >= measureFrom && sentAt < measureUntil) h.recordValue(Math.max(1, Math.round((now - sentAt) * 1000)));
        }
      },
    });
    // The consumer starts at the end of the log: it must know its positions before records are sent.
    while (consumer.lag().some((l) => l.position === null)) await sleep(10);
    // Paced by the clock, not by the tick count: a late timer on a busy box sends what is due.
    const pacedFrom = performance.now();
    let due = 0;
    let outstanding = 0;
    const tick = () => {
      const sentAt = performance.now();
      const n = Math.floor(((sentAt - pacedFrom) * E2E_RATE) / 1000) - due;
      if (n <= 0 || outstanding > 100) return; // nothing due, or the cluster is behind: do not pile up
      due += n;
      if (sentAt >= measureFrom) sent += n;
      const messages = Array.from({ length: n }, () => {
        const v = Buffer.alloc(RECORD_BYTES, 0x62);
        v.writeDoubleLE(sentAt, 0);
        return { value: v };
      });
      outstanding++;
      producer.send({ topic, acks, messages }).then(
        () => outstanding--,
        (e) => (failure ??= e),
      );
    };
    const timer = setInterval(tick, 5);
    await sleep(WARMUP_MS);
    measureFrom = performance.now();
    await sleep(MEASURE_MS);
    measureUntil = performance.now();
    clearInterval(timer);
    await producer.flush();
    // The last records of the window reach the consumer within one fetch wait.
    await sleep(1_000);
  } finally {
    await consumer.disconnect();
  }
  if (failure) throw failure;
  return { histogram: h, sentPerSecond: sent / ((measureUntil - measureFrom) / 1000) };
}

// ---------------------------------------------------------------------------------------------

function ratio(ours, reference) {
  return reference > 0 ? (ours / reference).toFixed(2) : "unavailable";
}

async function rounds(subjects, phase) {
  if (phase === "pipelined") {
    // One unrecorded pass first, so that the first subject of round 1 does not pay for the JIT
    // and for the clients' connections alone.
    for (const s of subjects) {
      progress(`${s.name}: warming up`);
      await drive(`${s.name} warm-up`, s.pipelined, histogram(), 1_000);
    }
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of subjects) {
      const label = `${s.name} ${phase === "sync" ? "one-at-a-time" : s.pipelined.label} round ${round}/${ROUNDS}`;
      progress(label);
      const spec = phase === "sync" ? { call: s.sync.call, concurrency: 1, recordsPerCall: 1 } : s.pipelined;
      const { rate, cpu } = await drive(label, spec, s.results[phase].histogram);
      s.results[phase].rates.push(rate);
      s.results[phase].cpu.push(cpu);
    }
  }
}

async function main() {
  const t0 = performance.now();
  out(`bench:replication: ${RECORD_BYTES}-byte records; ${ROUNDS} interleaved rounds of ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s per subject and phase` + (Number.isFinite(MAX_RECORDS) ? ` (or ${MAX_RECORDS} records)` : ""));
  out(`replog producer: batch.size=${BATCH_SIZE} linger.ms=${LINGER_MS} (0 for one-at-a-time); pipelined = ${INFLIGHT} sends of ${SEND_RECORDS} records in flight; end to end at ${E2E_RATE} records/s`);
  await grpcCeiling();
  const nats = await startNats();
  const brokers = await startDev();
  const replog = new Replog({ clientId: "bench-replication", brokers, logLevel: logLevel.WARN });
  const ours = await replogSubjects(replog);
  const subjects = nats ? [nats, ...ours] : ours;
  await rounds(subjects, "pipelined");
  await rounds(subjects, "sync");
  const e2e = [];
  for (const s of ours) {
    progress(`${s.name}: end to end at ${E2E_RATE} records/s`);
    e2e.push(await endToEnd(replog, s));
  }
  await cleanup();
  progress(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  for (const s of subjects) {
    report(s.name, s.pipelined.label, s.results.pipelined);
    report(s.name, "one-at-a-time", s.results.sync);
  }
  ours.forEach((s, i) => {
    const { histogram: h, sentPerSecond } = e2e[i];
    out(`${s.name} end-to-end latency p50/p99 ms: ${fmtMs(ms(h, 50))} / ${fmtMs(ms(h, 99))} (${h.totalCount} records seen, sent at ${fmtRate(sentPerSecond)} records/s)`);
  });

  const [all, , rf1] = ours;
  const oursAll = median(all.results.pipelined.rates);
  const oursSyncP50 = ms(all.results.sync.histogram, 50);
  const oursRf1 = median(rf1.results.pipelined.rates);
  if (nats) {
    const natsAsync = median(nats.results.pipelined.rates);
    const natsSyncP50 = ms(nats.results.sync.histogram, 50);
    out(`RESULT replication-acks-all ours=${fmtRate(oursAll)} reference=${fmtRate(natsAsync)} ratio=${ratio(oursAll, natsAsync)}`);
    out(`RESULT replication-sync-p50 ours=${fmtMs(oursSyncP50)} reference=${fmtMs(natsSyncP50)} ratio=${ratio(oursSyncP50, natsSyncP50)}`);
  } else {
    out(`RESULT replication-acks-all ours=${fmtRate(oursAll)} reference=unavailable ratio=unavailable`);
    out(`RESULT replication-sync-p50 ours=${fmtMs(oursSyncP50)} reference=unavailable ratio=unavailable`);
  }
  out(`RESULT replication-cost ours=${fmtRate(oursAll)} reference=${fmtRate(oursRf1)} ratio=${ratio(oursAll, oursRf1)}`);
}

main().then(
  () => process.exit(0),
  async (e) => {
    if (interrupted) return; // the signal handler is cleaning up and exits with 130
    progress(`failed: ${e?.stack ?? e}`);
    if (state.devDir) progress(`node logs were under ${state.devDir} (removed on exit)`);
    await cleanup().catch(() => undefined);
    process.exit(1);
  },
);
