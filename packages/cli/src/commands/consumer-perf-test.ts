// `replog consumer-perf-test`, shaped like kafka-consumer-perf-test.sh (ConsumerPerformance.java):
// reads --messages records of a topic from the beginning and prints Kafka's CSV header and one line
// of totals (or, with --show-detailed-stats, one line per reporting interval). Consumer groups do
// not exist yet, so the tool assigns itself every partition (manual assignment) and
// rebalance.time.ms is always 0; fetch.time.ms is then the whole run.

import { Command } from "commander";
import { consumerConfigFromProperties, Replog, type Consumer } from "@replog/client";
import { readClientProperties, splitServers } from "./options.js";

const MB = 1024 * 1024;

export const SUMMARY_HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
export const DETAILED_HEADER = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

/** Kafka's default --date-format, `yyyy-MM-dd HH:mm:ss:SSS`, in local time. */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

/** A rate per second over `ms`, 0 for an empty interval (Java would print NaN or Infinity). */
const perSec = (amount: number, ms: number) => (ms > 0 ? (1000 * amount) / ms : 0);

/** The totals line: `%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f`. */
export function summaryLine(t: { startMs: number; endMs: number; bytes: number; messages: number; rebalanceMs: number }): string {
  const elapsed = t.endMs - t.startMs;
  const fetchMs = elapsed - t.rebalanceMs;
  const mb = t.bytes / MB;
  return [
    formatDate(t.startMs),
    formatDate(t.endMs),
    mb.toFixed(4),
    perSec(mb, elapsed).toFixed(4),
    String(t.messages),
    perSec(t.messages, elapsed).toFixed(4),
    String(t.rebalanceMs),
    String(fetchMs),
    perSec(mb, fetchMs).toFixed(4),
    perSec(t.messages, fetchMs).toFixed(4),
  ].join(", ");
}

/**
 * A --show-detailed-stats line (printConsumerProgress): the time, thread 0, the MB and records
 * read so far, and the interval's rates.
 */
export function detailedLine(p: { nowMs: number; bytes: number; lastBytes: number; messages: number; lastMessages: number; intervalMs: number; rebalanceMs: number }): string {
  const mbInterval = (p.bytes - p.lastBytes) / MB;
  const msgInterval = p.messages - p.lastMessages;
  const fetchMs = p.intervalMs - p.rebalanceMs;
  return [
    formatDate(p.nowMs),
    "0",
    (p.bytes / MB).toFixed(4),
    perSec(mbInterval, p.intervalMs).toFixed(4),
    String(p.messages),
    perSec(msgInterval, p.intervalMs).toFixed(4),
    String(p.rebalanceMs),
    String(fetchMs),
    perSec(mbInterval, fetchMs).toFixed(4),
    perSec(msgInterval, fetchMs).toFixed(4),
  ].join(", ");
}

export interface ConsumerPerfOptions {
  bootstrapServer: string;
  topic: string;
  messages: string;
  timeout: string;
  fetchSize?: string;
  reportingInterval: string;
  showDetailedStats?: boolean;
  hideHeader?: boolean;
  "consumer.config"?: string;
}

export interface ConsumerPerfPlan {
  brokers: string[];
  topic: string;
  messages: number;
  timeoutMs: number;
  reportingIntervalMs: number;
  showDetailedStats: boolean;
  hideHeader: boolean;
  props: Record<string, string>;
}

const integer = (flag: string, value: string, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min} (got ${value})`);
  return n;
};

export function consumerPerfPlan(o: ConsumerPerfOptions): ConsumerPerfPlan {
  const props = readClientProperties(o["consumer.config"], "--consumer.config");
  if (o.fetchSize !== undefined) props["max.partition.fetch.bytes"] = String(integer("--fetch-size", o.fetchSize, 1));
  return {
    brokers: splitServers(o.bootstrapServer),
    topic: o.topic,
    messages: integer("--messages", o.messages, 1),
    timeoutMs: integer("--timeout", o.timeout, 1),
    reportingIntervalMs: integer("--reporting-interval", o.reportingInterval, 1),
    showDetailedStats: Boolean(o.showDetailedStats),
    hideHeader: Boolean(o.hideHeader),
    props,
  };
}

interface Progress {
  bytes: number;
  messages: number;
}

/**
 * Kafka's consume loop: poll until --messages records are read or none came for --timeout ms.
 * Counts stop at exactly --messages (Kafka's may overshoot by the rest of the last poll).
 */
async function consume(consumer: Consumer, plan: ConsumerPerfPlan, onTick: (p: Progress, nowMs: number) => void): Promise<Progress & { timedOut: boolean }> {
  const p = { bytes: 0, messages: 0 };
  let lastConsumed = Date.now();
  while (p.messages < plan.messages) {
    const batches = await consumer.poll();
    const now = Date.now();
    for (const b of batches) {
      for (const m of b.messages) {
        if (p.messages >= plan.messages) break;
        p.messages++;
        p.bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
        lastConsumed = now;
      }
    }
    onTick(p, now);
    if (now - lastConsumed > plan.timeoutMs) return { ...p, timedOut: true };
  }
  return { ...p, timedOut: false };
}

/** The per-interval lines and the TTY progress line, driven by the consume loop. */
function reporter(plan: ConsumerPerfPlan, startMs: number) {
  let last = { bytes: 0, messages: 0, atMs: startMs };
  let lastProgressMs = 0;
  const tty = process.stderr.isTTY;
  return {
    tick(p: Progress, nowMs: number) {
      if (plan.showDetailedStats && nowMs - last.atMs >= plan.reportingIntervalMs) {
        process.stdout.write(`${detailedLine({ nowMs, bytes: p.bytes, lastBytes: last.bytes, messages: p.messages, lastMessages: last.messages, intervalMs: nowMs - last.atMs, rebalanceMs: 0 })}\n`);
        last = { bytes: p.bytes, messages: p.messages, atMs: nowMs };
      }
      if (tty && nowMs - lastProgressMs >= 500) {
        lastProgressMs = nowMs;
        process.stderr.write(`\r${p.messages}/${plan.messages} messages consumed`);
      }
    },
    done() {
      if (tty && lastProgressMs > 0) process.stderr.write("\r\x1b[K");
    },
  };
}

export function consumerPerfTestCommand(): Command {
  return new Command("consumer-perf-test")
    .description("Measure consume throughput (like kafka-consumer-perf-test.sh): Kafka's CSV header and a line of totals.")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .requiredOption("--topic <name>", "the topic to read")
    .requiredOption("--messages <n>", "how many records to read")
    .option("--timeout <ms>", "give up when no record arrived for this long", "10000")
    .option("--fetch-size <bytes>", "max.partition.fetch.bytes")
    .option("--reporting-interval <ms>", "the interval of --show-detailed-stats lines", "5000")
    .option("--show-detailed-stats", "print a line per reporting interval instead of the totals")
    .option("--hide-header", "do not print the CSV header")
    .option("--consumer.config <file>", "consumer configs from a properties file")
    .addHelpText(
      "after",
      "\nConsumer groups do not exist yet: the tool reads every partition by manual assignment from the beginning,\nso rebalance.time.ms is always 0 and fetch.time.ms is the whole run. On a TTY, progress goes to stderr.",
    )
    .action(async (o: ConsumerPerfOptions) => {
      const plan = consumerPerfPlan(o);
      const replog = new Replog({ clientId: "perf-consumer-client", brokers: plan.brokers });
      const consumer = replog.consumer({ ...consumerConfigFromProperties(plan.props), fromBeginning: true });
      await consumer.connect();
      if (!plan.hideHeader) process.stdout.write(`${plan.showDetailedStats ? DETAILED_HEADER : SUMMARY_HEADER}\n`);
      let result: Awaited<ReturnType<typeof consume>>;
      const startMs = Date.now();
      const report = reporter(plan, startMs);
      try {
        await consumer.assign([{ topic: plan.topic }]);
        result = await consume(consumer, plan, (p, now) => report.tick(p, now));
      } finally {
        report.done();
        await consumer.disconnect();
      }
      const endMs = Date.now();
      if (result.timedOut) process.stderr.write(`WARNING: Exiting before consuming the expected number of messages: timeout (${plan.timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
      if (!plan.showDetailedStats) process.stdout.write(`${summaryLine({ startMs, endMs, bytes: result.bytes, messages: result.messages, rebalanceMs: 0 })}\n`);
    });
}
