// `replog producer-perf-test`, shaped like kafka-producer-perf-test.sh (ProducerPerformance.java):
// sends --num-records records of --record-size random bytes as fast as the producer takes them (or
// at --throughput records/s, paced like Kafka's ThroughputThrottler), measures each record's latency
// from send() to its acknowledgement, prints Kafka's window line every five seconds (the progress of
// a long run) and Kafka's final line with the 50th/95th/99th/99.9th percentiles.

import { randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Command } from "commander";
import * as hdr from "hdr-histogram-js";
import { parseProperties } from "@replog/common";
import { producerConfigFromProperties, Replog, type Compression, type Producer } from "@replog/client";
import { readClientProperties } from "./options.js";
import { parsePairs, splitServers } from "./topics.js";

/** Kafka's Stats reporting interval. */
export const REPORTING_INTERVAL_MS = 5_000;
/**
 * Sends allowed to be unanswered at once: buffer.memory bounds the bytes, this bounds the promises.
 * Measured on the 2-core box (200,000 100-byte records, RF 3, acks=all): 20,000 pending sends spent
 * 40% of the time in the garbage collector (about 26 K records/s at 700 ms average latency), 2,000
 * reached about 50 K records/s at 40 ms; 500 starved the batches (27 K records/s).
 */
const PENDING_SENDS_MAX = 2_000;
const MB = 1024 * 1024;

/** Kafka's periodic line: `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.` */
export function windowLine(w: { count: number; bytes: number; elapsedMs: number; totalLatencyMs: number; maxLatencyMs: number }): string {
  const elapsed = Math.max(w.elapsedMs, 1);
  const recsPerSec = (1000 * w.count) / elapsed;
  const mbPerSec = (1000 * w.bytes) / elapsed / MB;
  const avg = w.count === 0 ? 0 : w.totalLatencyMs / w.count;
  return `${w.count} records sent, ${recsPerSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${avg.toFixed(1)} ms avg latency, ${w.maxLatencyMs.toFixed(1)} ms max latency.`;
}

export interface Totals {
  count: number;
  bytes: number;
  elapsedMs: number;
  totalLatencyMs: number;
  maxLatencyMs: number;
  /** Latency percentiles in whole milliseconds, as Kafka prints them. */
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

/**
 * Kafka's final line. Its records/sec is printed with Java's `%f` (six decimals), the window lines'
 * with `%.1f`: e.g. `5000000 records sent, 751992.780869 records/sec (71.72 MB/sec), …`.
 */
export function totalLine(t: Totals): string {
  const elapsed = Math.max(t.elapsedMs, 1);
  const recsPerSec = (1000 * t.count) / elapsed;
  const mbPerSec = (1000 * t.bytes) / elapsed / MB;
  const avg = t.count === 0 ? 0 : t.totalLatencyMs / t.count;
  return (
    `${t.count} records sent, ${recsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${avg.toFixed(2)} ms avg latency, ${t.maxLatencyMs.toFixed(2)} ms max latency, ` +
    `${t.p50} ms 50th, ${t.p95} ms 95th, ${t.p99} ms 99th, ${t.p999} ms 99.9th.`
  );
}

/**
 * ThroughputThrottler: after `sent` records in `elapsedMs`, how long to wait before the next one so
 * that the average stays at `target` records/s (0 when on pace; a target ≤ 0 never throttles).
 */
export function throttleDelayMs(sent: number, elapsedMs: number, target: number): number {
  if (target <= 0) return 0;
  const dueAtMs = (sent * 1000) / target;
  return dueAtMs > elapsedMs ? dueAtMs - elapsedMs : 0;
}

/** Records the latency of every acknowledged record: the window for the periodic line and the totals. */
export class PerfStats {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  private count = 0;
  private bytes = 0;
  private totalLatencyMs = 0;
  private maxLatencyMs = 0;
  private window = { count: 0, bytes: 0, totalLatencyMs: 0, maxLatencyMs: 0, startMs: 0 };

  constructor(private readonly startMs: number) {
    this.window.startMs = startMs;
  }

  record(latencyMs: number, bytes: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatencyMs += latencyMs;
    this.maxLatencyMs = Math.max(this.maxLatencyMs, latencyMs);
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    const w = this.window;
    w.count++;
    w.bytes += bytes;
    w.totalLatencyMs += latencyMs;
    w.maxLatencyMs = Math.max(w.maxLatencyMs, latencyMs);
  }

  /** The periodic line for the window ending now, and a new window. */
  takeWindow(nowMs: number): string {
    const w = this.window;
    const line = windowLine({ ...w, elapsedMs: nowMs - w.startMs });
    this.window = { count: 0, bytes: 0, totalLatencyMs: 0, maxLatencyMs: 0, startMs: nowMs };
    return line;
  }

  totals(nowMs: number): Totals {
    const pct = (p: number) => (this.count === 0 ? 0 : Math.floor(this.histogram.getValueAtPercentile(p) / 1000));
    return { count: this.count, bytes: this.bytes, elapsedMs: nowMs - this.startMs, totalLatencyMs: this.totalLatencyMs, maxLatencyMs: this.maxLatencyMs, p50: pct(50), p95: pct(95), p99: pct(99), p999: pct(99.9) };
  }
}

export interface PerfOptions {
  topic: string;
  numRecords: string;
  recordSize: string;
  throughput: string;
  producerProps: string[];
  "producer.config"?: string;
  printMetrics?: boolean;
}

export interface PerfPlan {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  bootstrapServers: string[];
  props: Record<string, string>;
}

const integer = (flag: string, value: string, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min} (got ${value})`);
  return n;
};

/** The run from the flags: --producer-props win over --producer.config; bootstrap.servers is required. */
export function perfPlan(o: PerfOptions): PerfPlan {
  const file = o["producer.config"];
  const fileProps = readClientProperties(file, "--producer.config");
  // readClientProperties drops bootstrap.servers (the console tools take it from a flag); here the
  // file may be where it comes from, as in Kafka.
  const fileServers = file === undefined ? undefined : parseProperties(readFileSync(file, "utf8"), file)["bootstrap.servers"];
  const props = { ...fileProps, ...parsePairs(o.producerProps, "--producer-props") };
  const servers = props["bootstrap.servers"] ?? fileServers;
  if (servers === undefined) throw new Error("--producer-props (or --producer.config) must include bootstrap.servers=host:port[,host:port…]");
  delete props["bootstrap.servers"];
  const throughput = Number(o.throughput);
  if (!Number.isFinite(throughput)) throw new Error(`--throughput must be a number (-1 for no limit; got ${o.throughput})`);
  return { topic: o.topic, numRecords: integer("--num-records", o.numRecords, 1), recordSize: integer("--record-size", o.recordSize, 0), throughput, bootstrapServers: splitServers(servers), props };
}

/** Sends the records, throttled if asked; resolves when every send is answered. Failures are counted. */
async function sendAll(producer: Producer, plan: PerfPlan, stats: PerfStats, startMs: number): Promise<number> {
  // Kafka's tool sends one payload of random bytes over and over (without --payload-file).
  const payload = Buffer.alloc(plan.recordSize);
  randomFillSync(payload);
  let pending = 0;
  let failed = 0;
  let firstError: unknown;
  let wake: (() => void) | undefined;
  const settled = () => {
    pending--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (let i = 0; i < plan.numRecords; i++) {
    const delay = throttleDelayMs(i, performance.now() - startMs, plan.throughput);
    if (delay > 0) await sleep(delay);
    if (pending >= PENDING_SENDS_MAX) await new Promise<void>((resolve) => (wake = resolve));
    const sentAt = performance.now();
    pending++;
    // One handler pair per record and no extra promise: at tens of thousands of records/s the
    // garbage of per-send promise chains is what limits the tool.
    void producer.send({ topic: plan.topic, messages: [{ value: payload }] }).then(
      () => {
        stats.record(performance.now() - sentAt, plan.recordSize);
        settled();
      },
      (e: unknown) => {
        failed++;
        firstError ??= e;
        settled();
      },
    );
  }
  while (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (firstError !== undefined) {
    const err = firstError as Error & { type?: string };
    process.stderr.write(`Error when sending records to ${plan.topic}: ${err.type ? `${err.type}: ` : ""}${err.message} (${failed} record(s) failed)\n`);
  }
  return failed;
}

/** --print-metrics: Kafka prints the producer's metrics registry; replog's client has none yet, so the tool's own measures are shown in Kafka's table shape. */
export function metricsTable(t: Totals, failed: number): string {
  const rows: [string, string][] = [
    ["producer-metrics:record-send-total", String(t.count + failed)],
    ["producer-metrics:record-error-total", String(failed)],
    ["producer-metrics:record-send-rate", ((1000 * t.count) / Math.max(t.elapsedMs, 1)).toFixed(3)],
    ["producer-metrics:outgoing-byte-total", String(t.bytes)],
    ["producer-metrics:request-latency-avg", (t.count === 0 ? 0 : t.totalLatencyMs / t.count).toFixed(3)],
    ["producer-metrics:request-latency-max", t.maxLatencyMs.toFixed(3)],
  ];
  const width = Math.max("Metric Name".length, ...rows.map(([k]) => k.length));
  return [`${"Metric Name".padEnd(width)}  Value`, ...rows.map(([k, v]) => `${k.padEnd(width)}: ${v}`)].join("\n");
}

export function producerPerfTestCommand(): Command {
  return new Command("producer-perf-test")
    .description("Measure produce throughput and latency (like kafka-producer-perf-test.sh): a window line every 5 s, then Kafka's final line with percentiles.")
    .requiredOption("--topic <name>", "the topic to produce to")
    .requiredOption("--num-records <n>", "how many records to send")
    .requiredOption("--record-size <bytes>", "the size of each record's value (random bytes)")
    .requiredOption("--throughput <records/s>", "throttle to about this many records/s; -1 for no limit")
    .option("--producer-props <key=value...>", "producer configs; must include bootstrap.servers (e.g. bootstrap.servers=127.0.0.1:9092 acks=all linger.ms=5)", [])
    .option("--producer.config <file>", "producer configs from a properties file (--producer-props win)")
    .option("--print-metrics", "print the tool's measures at the end in Kafka's metrics table shape (the client has no metrics registry yet)")
    .addHelpText("after", "\nLatency is measured per record, from send() to its acknowledgement. Percentiles are in whole ms, as Kafka prints them.")
    .action(async (o: PerfOptions) => {
      const plan = perfPlan(o);
      const config = producerConfigFromProperties(plan.props);
      const replog = new Replog({ clientId: "producer-performance", brokers: plan.bootstrapServers, requestTimeout: config.requestTimeout, maxInFlightRequests: config.maxInFlightRequests });
      const producer = replog.producer({ ...config, compression: config.compression as Compression | undefined });
      await producer.connect();
      const startMs = performance.now();
      const stats = new PerfStats(startMs);
      const timer = setInterval(() => process.stdout.write(`${stats.takeWindow(performance.now())}\n`), REPORTING_INTERVAL_MS);
      let failed: number;
      try {
        failed = await sendAll(producer, plan, stats, startMs);
      } finally {
        clearInterval(timer);
        await producer.disconnect();
      }
      const totals = stats.totals(performance.now());
      process.stdout.write(`${totalLine(totals)}\n`);
      if (o.printMetrics) process.stdout.write(`\n${metricsTable(totals, failed)}\n`);
      if (failed > 0) throw new Error(`${failed} of ${plan.numRecords} record(s) could not be sent to ${plan.topic}`);
    });
}
