// pnpm bench:client — the client library through Kafka's perf tools, against naive clients written
// directly on the gRPC stubs, in the same run and on the same `replog dev` cluster (3 controllers,
// 3 brokers, loopback):
//
//   ours       `replog producer-perf-test` (acks=all, 100-byte records, unthrottled, the client's
//              defaults: batching, linger.ms 5, pipelining, idempotence) and `replog
//              consumer-perf-test`; records/s from the tools' own Kafka lines.
//   reference  a minimal producer on `newBrokerClient` (@replog/protocol): one RecordBatch of about
//              batch.size bytes per request on one Produce stream per leader, each answer awaited
//              before the next request, partitions in turn; and a minimal consumer: one Fetch per
//              request, one partition after another, each answer awaited. No client logic. Each
//              runs in a fresh process of its own, as the tools do, and is timed from its leader
//              lookup, as the tools' figures include their clients' metadata and offset lookups.
//
// Each producer writes a topic of its own (RF 3, min.insync.replicas=2, 3 partitions); both
// consumers read one topic filled beforehand (--read-records, 2,000,000 by default) so that they
// decode the very same batches, over a run long enough to measure.
// This box is shared and noisy, so the phases run in rounds, interleaved ours / reference, and a
// figure is the median over the rounds (min–max shown).
//
// Figures go to stdout, progress to stderr, and the run ends with two RESULT lines. Every process
// started here is stopped and every temporary directory removed on exit, on failure and on Ctrl-C.
//
// Usage: node scripts/bench/client.mjs [--records 400000] [--read-records 2000000] [--rounds 3] [--partitions 3]
//        [--batch-size 16384]
// The defaults take about one and a half minutes on the 2-core box (up to 30 s more when
// `replog dev stop` hangs and the nodes are killed).

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Replog, logLevel } from "../../packages/client/dist/index.js";
import { decodeRecords, encodeRecordBatch, newBrokerClient } from "../../packages/protocol/dist/index.js";
import { killDevClusterSync, REPLOG_CLI, startDevCluster, stopDevCluster } from "./dev-cluster.mjs";

const { values: opts } = parseArgs({
  options: {
    records: { type: "string", default: "400000" },
    "read-records": { type: "string", default: "2000000" },
    rounds: { type: "string", default: "3" },
    partitions: { type: "string", default: "3" },
    "batch-size": { type: "string", default: "16384" },
    // Internal: run one reference phase in this (child) process and print its rate.
    reference: { type: "string" },
    brokers: { type: "string" },
    topic: { type: "string" },
  },
});
const RECORDS = Number(opts.records);
const READ_RECORDS = Number(opts["read-records"]);
const ROUNDS = Number(opts.rounds);
const PARTITIONS = Number(opts.partitions);
const BATCH_SIZE = Number(opts["batch-size"]);
const RECORD_BYTES = 100;
for (const [name, v] of Object.entries({ RECORDS, READ_RECORDS, ROUNDS, PARTITIONS, BATCH_SIZE })) {
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`bad option value for ${name}: ${v}\n`);
    process.exit(2);
  }
}
// Records per reference batch: batch.size bytes less the 61-byte batch header, about 8 bytes of
// framing per record (length, attributes, deltas, key and value lengths, header count).
const RECORDS_PER_BATCH = Math.max(1, Math.floor((BATCH_SIZE - 61) / (RECORD_BYTES + 8)));

const out = (line) => process.stdout.write(line + "\n");
const progress = (line) => process.stderr.write(`[bench:client ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started is recorded here before anything can throw.

const state = { dir: undefined, children: new Set(), closers: [] };

function cleanupSync() {
  for (const c of state.children) if (c.exitCode === null) c.kill("SIGKILL");
  killDevClusterSync(state.dir);
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  state.dir = undefined;
}

let cleaning;
let interrupted = false;
function cleanup() {
  cleaning ??= (async () => {
    for (const c of state.children) if (c.exitCode === null) c.kill("SIGTERM");
    for (const close of state.closers.splice(0).reverse()) await close().catch(() => undefined);
    await stopDevCluster(state.dir, progress);
    cleanupSync();
  })();
  return cleaning;
}

process.on("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    interrupted = true;
    progress(`${sig}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtRate = (v) => String(Math.round(v));

// ---------------------------------------------------------------------------------------------
// Ours: the perf tools as a user runs them.

/** Runs `replog args…`; returns its stdout lines (echoed to stderr as progress). */
function replogTool(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REPLOG_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    state.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      for (const l of String(d).split("\n").filter(Boolean)) progress(`  ${l}`);
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      state.children.delete(child);
      if (code === 0) resolve(stdout.split("\n").filter(Boolean));
      else reject(new Error(`replog ${args[0]} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Runs a reference phase in a fresh process, as the tools run: both sides start with a cold JIT and
 * their own connections, and neither profits from the code the other warmed up in this process.
 */
async function referenceInChild(phase, brokers, topic) {
  const child = spawn(process.execPath, [import.meta.filename, "--reference", phase, "--brokers", brokers.join(","), "--topic", topic, "--records", String(RECORDS), "--read-records", String(READ_RECORDS), "--partitions", String(PARTITIONS), "--batch-size", String(BATCH_SIZE)], { stdio: ["ignore", "pipe", "inherit"] });
  state.children.add(child);
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const code = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  state.children.delete(child);
  const m = /^rate=([\d.]+)$/m.exec(stdout);
  if (code !== 0 || !m) throw new Error(`reference ${phase} exited with ${code}: ${stdout.trim()}`);
  return { rate: Number(m[1]) };
}

async function oursProduce(brokers, topic) {
  const lines = await replogTool([
    "producer-perf-test", "--topic", topic, "--num-records", String(RECORDS), "--record-size", String(RECORD_BYTES), "--throughput", "-1",
    "--producer-props", `bootstrap.servers=${brokers.join(",")}`, "acks=all",
  ]);
  const final = lines.at(-1);
  const m = /^(\d+) records sent, ([\d.]+) records\/sec .* (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/.exec(final ?? "");
  if (!m || Number(m[1]) !== RECORDS) throw new Error(`producer-perf-test: unexpected final line: ${final}`);
  return { rate: Number(m[2]), line: final };
}

async function oursConsume(brokers, topic) {
  const lines = await replogTool(["consumer-perf-test", "--bootstrap-server", brokers.join(","), "--topic", topic, "--messages", String(READ_RECORDS)]);
  const fields = (lines.at(-1) ?? "").split(", ");
  if (fields.length !== 10 || Number(fields[4]) !== READ_RECORDS) throw new Error(`consumer-perf-test: unexpected line: ${lines.at(-1)}`);
  return { rate: Number(fields[5]), line: lines.at(-1) };
}

// ---------------------------------------------------------------------------------------------
// Reference: straight on the stubs.

/** Leader address per partition, from any broker's Metadata. */
async function leaders(brokers, topic) {
  const client = newBrokerClient(brokers[0]);
  try {
    const md = await new Promise((resolve, reject) => client.Metadata({ topics: [topic] }, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))));
    const address = new Map(md.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
    return md.topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => address.get(p.leaderId));
  } finally {
    client.close();
  }
}

/** One bidi stream per leader with a one-answer-at-a-time call: write a request, await its answer. */
function openStreams(addresses, method) {
  const byAddress = new Map();
  for (const a of new Set(addresses)) {
    const client = newBrokerClient(a);
    const stream = client[method]();
    let waiting;
    stream.on("data", (r) => waiting?.resolve(r));
    stream.on("error", (e) => waiting?.reject(e));
    const call = (request) =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        stream.write(request);
      });
    byAddress.set(a, { call, close: () => (stream.end(), client.close()) });
  }
  return { streams: addresses.map((a) => byAddress.get(a)), close: () => byAddress.forEach((s) => s.close()) };
}

async function referenceProduce(brokers, topic) {
  // Timed from before the leader lookup, as the tools' figures include their clients' metadata and
  // offset lookups.
  const t0 = performance.now();
  const { streams, close } = openStreams(await leaders(brokers, topic), "Produce");
  try {
    const value = Buffer.alloc(RECORD_BYTES, 0x61);
    let sent = 0;
    for (let id = 1; sent < RECORDS; id++) {
      const partition = id % PARTITIONS;
      const n = Math.min(RECORDS_PER_BATCH, RECORDS - sent);
      const records = encodeRecordBatch({ records: Array.from({ length: n }, () => ({ value })) });
      const res = await streams[partition].call({ correlationId: String(id), acks: -1, timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ index: partition, records }] }] });
      const p = res.topics[0].partitions[0];
      if (p.errorCode !== 0) throw new Error(`reference produce to ${topic}-${partition}: ${p.errorName}: ${p.errorMessage}`);
      sent += n;
    }
    return { rate: (RECORDS * 1000) / (performance.now() - t0) };
  } finally {
    close();
  }
}

async function referenceConsume(brokers, topic) {
  // Timed from before the leader lookup, as the tools' figures include their clients' metadata and
  // offset lookups.
  const t0 = performance.now();
  const { streams, close } = openStreams(await leaders(brokers, topic), "Fetch");
  try {
    const offsets = new Array(PARTITIONS).fill(0);
    const ends = new Array(PARTITIONS).fill(Number.POSITIVE_INFINITY);
    let consumed = 0;
    for (let id = 1; consumed < READ_RECORDS; id++) {
      const partition = id % PARTITIONS;
      if (offsets[partition] >= ends[partition]) continue; // drained: a fetch would only wait
      const res = await streams[partition].call({
        correlationId: String(id), replicaId: -1, replicaEpoch: "-1", maxWaitMs: 500, minBytes: 1, maxBytes: 50 << 20,
        topics: [{ name: topic, partitions: [{ index: partition, currentLeaderEpoch: -1, fetchOffset: String(offsets[partition]), lastFetchedEpoch: -1, logStartOffset: "-1", partitionMaxBytes: 1 << 20 }] }],
      });
      const p = res.topics[0].partitions[0];
      if (p.errorCode !== 0) throw new Error(`reference fetch ${topic}-${partition}: ${p.errorName}`);
      ends[partition] = Number(p.highWatermark);
      const buf = p.records;
      for (let pos = 0; pos + 12 <= buf.length; ) {
        const size = buf.readInt32BE(pos + 8) + 12;
        if (pos + size > buf.length) break; // a partial batch at the end of the answer
        for (const r of decodeRecords(buf, pos)) {
          if (r.offset < offsets[partition]) continue;
          offsets[partition] = r.offset + 1;
          consumed++;
        }
        pos += size;
      }
    }
    return { rate: (consumed * 1000) / (performance.now() - t0) };
  } finally {
    close();
  }
}

/**
 * Fills the topic both consumers read (unmeasured): 5,000-record batches, one partition per
 * concurrent loop. Both consumers then decode the very same batches.
 */
async function fillTopic(brokers, topic) {
  const { streams, close } = openStreams(await leaders(brokers, topic), "Produce");
  try {
    const value = Buffer.alloc(RECORD_BYTES, 0x63);
    const perPartition = Math.ceil(READ_RECORDS / PARTITIONS);
    await Promise.all(
      streams.map(async (stream, partition) => {
        const total = Math.min(perPartition, READ_RECORDS - partition * perPartition);
        for (let sent = 0, id = 1; sent < total; id++) {
          const n = Math.min(5_000, total - sent);
          const records = encodeRecordBatch({ records: Array.from({ length: n }, () => ({ value })) });
          const res = await stream.call({ correlationId: String(id), acks: -1, timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ index: partition, records }] }] });
          const p = res.topics[0].partitions[0];
          if (p.errorCode !== 0) throw new Error(`filling ${topic}-${partition}: ${p.errorName}: ${p.errorMessage}`);
          sent += n;
        }
      }),
    );
  } finally {
    close();
  }
}

// ---------------------------------------------------------------------------------------------

async function createTopics(brokers, names) {
  const admin = new Replog({ clientId: "bench-client", brokers, logLevel: logLevel.WARN }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] })) });
  } finally {
    await admin.disconnect();
  }
}

async function main() {
  const t0 = performance.now();
  out(`bench:client: ${RECORDS} records of ${RECORD_BYTES} bytes per producer phase, ${READ_RECORDS} per consumer phase, acks=all, RF 3 (min.insync.replicas=2), ${PARTITIONS} partitions; ${ROUNDS} interleaved round(s)`);
  out(`reference: ${RECORDS_PER_BATCH} records (about ${BATCH_SIZE} bytes) per produce request, one request at a time; one partition per fetch, one at a time`);
  state.dir = mkdtempSync(join(tmpdir(), "replog-bench-client-"));
  const brokers = await startDevCluster(state.dir, progress);
  const topics = Array.from({ length: ROUNDS }, (_, i) => [`bench-ours-${i + 1}`, `bench-ref-${i + 1}`]);
  await createTopics(brokers, [...topics.flat(), "bench-read"]);
  progress(`filling bench-read with ${READ_RECORDS} records for the consumers`);
  await fillTopic(brokers, "bench-read");
  const r = { oursProduce: [], refProduce: [], oursConsume: [], refConsume: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const [oursTopic, refTopic] = topics[round - 1];
    progress(`round ${round}/${ROUNDS}: producer-perf-test`);
    const op = await oursProduce(brokers, oursTopic);
    out(`ours producer-perf-test round ${round}: ${op.line}`);
    progress(`round ${round}/${ROUNDS}: reference producer`);
    const rp = await referenceInChild("produce", brokers, refTopic);
    out(`reference producer round ${round}: ${fmtRate(rp.rate)} records/s`);
    progress(`round ${round}/${ROUNDS}: consumer-perf-test`);
    const oc = await oursConsume(brokers, "bench-read");
    out(`ours consumer-perf-test round ${round}: ${oc.line}`);
    progress(`round ${round}/${ROUNDS}: reference consumer`);
    const rc = await referenceInChild("consume", brokers, "bench-read");
    out(`reference consumer round ${round}: ${fmtRate(rc.rate)} records/s`);
    r.oursProduce.push(op.rate);
    r.refProduce.push(rp.rate);
    r.oursConsume.push(oc.rate);
    r.refConsume.push(rc.rate);
  }
  await cleanup();
  progress(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const range = (xs) => `[${fmtRate(Math.min(...xs))}–${fmtRate(Math.max(...xs))}]`;
  for (const [name, xs] of Object.entries(r)) out(`${name} records/s: ${fmtRate(median(xs))} ${range(xs)} over ${xs.length} round(s)`);
  const result = (name, ours, reference) => out(`RESULT ${name} ours=${fmtRate(ours)} reference=${fmtRate(reference)} ratio=${(ours / reference).toFixed(2)}`);
  result("producer", median(r.oursProduce), median(r.refProduce));
  result("consumer", median(r.oursConsume), median(r.refConsume));
}

if (opts.reference !== undefined) {
  const phase = { produce: referenceProduce, consume: referenceConsume }[opts.reference];
  if (!phase || !opts.brokers || !opts.topic) {
    process.stderr.write("--reference produce|consume needs --brokers and --topic\n");
    process.exit(2);
  }
  phase(opts.brokers.split(","), opts.topic).then(
    (r) => {
      out(`rate=${r.rate}`);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`reference ${opts.reference} failed: ${e?.stack ?? e}\n`);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    async (e) => {
      if (interrupted) return; // the signal handler is cleaning up and exits with 130
      progress(`failed: ${e?.stack ?? e}`);
      await cleanup().catch(() => undefined);
      process.exit(1);
    },
  );
}
