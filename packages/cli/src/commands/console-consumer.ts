// `replog console-consumer`, shaped like kafka-console-consumer.sh (ConsoleConsumer.java,
// DefaultMessageFormatter.java): reads a topic (every partition, or one with --partition and
// --offset) without a group, prints each record's value (and, with `--property print.key=true`
// etc., its timestamp, partition, offset, headers and key, tab-separated), and ends after
// --max-messages records, after --timeout-ms without a record, or on Ctrl-C. It prints
// "Processed a total of N messages" on stderr at the end, as Kafka's does.

import { Command } from "commander";
import { consumerConfigFromProperties, Replog, type Consumer, type KafkaMessage } from "@replog/client";
import { collect, readClientProperties } from "./options.js";
import { parsePairs, splitServers } from "./topics.js";

export interface FormatterOptions {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  nullLiteral: string;
}

const FORMATTER_KEYS = ["print.timestamp", "print.partition", "print.offset", "print.headers", "print.key", "print.value", "key.separator", "line.separator", "headers.separator", "null.literal"];

export function formatterOptions(props: Record<string, string>): FormatterOptions {
  for (const k of Object.keys(props)) if (!FORMATTER_KEYS.includes(k)) throw new Error(`unknown --property ${k} (supported: ${FORMATTER_KEYS.join(", ")})`);
  const flag = (k: string, dflt: boolean) => (props[k] === undefined ? dflt : props[k] === "true");
  return {
    printTimestamp: flag("print.timestamp", false),
    printPartition: flag("print.partition", false),
    printOffset: flag("print.offset", false),
    printHeaders: flag("print.headers", false),
    printKey: flag("print.key", false),
    printValue: flag("print.value", true),
    keySeparator: props["key.separator"] ?? "\t",
    lineSeparator: props["line.separator"] ?? "\n",
    headersSeparator: props["headers.separator"] ?? ",",
    nullLiteral: props["null.literal"] ?? "null",
  };
}

/** DefaultMessageFormatter: the chosen fields, separated by key.separator, ended by line.separator. */
export function formatMessage(partition: number, m: KafkaMessage, o: FormatterOptions): string {
  const text = (b: Buffer | null) => (b === null ? o.nullLiteral : b.toString("utf8"));
  const fields: string[] = [];
  if (o.printTimestamp) fields.push(`CreateTime:${m.timestamp}`);
  if (o.printPartition) fields.push(`Partition:${partition}`);
  if (o.printOffset) fields.push(`Offset:${m.offset}`);
  if (o.printHeaders) {
    const entries = Object.entries(m.headers);
    fields.push(entries.length === 0 ? "NO_HEADERS" : entries.map(([k, v]) => `${k}:${text(v)}`).join(o.headersSeparator));
  }
  if (o.printKey) fields.push(text(m.key));
  if (o.printValue) fields.push(text(m.value));
  return fields.join(o.keySeparator) + o.lineSeparator;
}

interface ConsumerOptions {
  bootstrapServer: string;
  topic: string;
  fromBeginning?: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  timeoutMs?: string;
  property: string[];
  consumerProperty: string[];
  "consumer.config"?: string;
  group?: string;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number (got ${value})`);
  return n;
}

/** Kafka's --offset: a number, earliest or latest (default: latest, or earliest with --from-beginning). */
export function startOffset(o: { offset?: string; fromBeginning?: boolean; partition?: string }): number {
  if (o.offset !== undefined && o.partition === undefined) throw new Error("--offset needs --partition");
  if (o.offset !== undefined && o.fromBeginning) throw new Error("--offset and --from-beginning cannot be used together");
  if (o.offset === undefined || o.offset === "latest") return o.fromBeginning ? -2 : -1;
  if (o.offset === "earliest") return -2;
  const n = wholeNumber(o.offset, "--offset")!;
  return n;
}

/** Polls and prints until max messages, the idle timeout, or `stopped()`; returns the count. */
export async function consumeAndPrint(consumer: Consumer, formatter: FormatterOptions, limits: { maxMessages?: number; timeoutMs?: number; nowMs: () => number; stopped: () => boolean }): Promise<number> {
  let count = 0;
  let lastMessageMs = limits.nowMs();
  while (!limits.stopped()) {
    const batches = await consumer.poll();
    for (const b of batches) {
      for (const m of b.messages) {
        process.stdout.write(formatMessage(b.partition, m, formatter));
        count++;
        lastMessageMs = limits.nowMs();
        if (limits.maxMessages !== undefined && count >= limits.maxMessages) return count;
      }
    }
    if (limits.timeoutMs !== undefined && limits.nowMs() - lastMessageMs >= limits.timeoutMs) return count;
  }
  return count;
}

export function consoleConsumerCommand(): Command {
  return new Command("console-consumer")
    .description("Print a topic's records (like kafka-console-consumer.sh; no consumer groups yet).")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .requiredOption("--topic <name>", "the topic to read")
    .option("--from-beginning", "start at the earliest offset instead of the latest")
    .option("--partition <n>", "read only this partition")
    .option("--offset <offset>", "with --partition: a number, earliest or latest")
    .option("--max-messages <n>", "exit after this many records")
    .option("--timeout-ms <ms>", "exit when no record came for this long")
    .option("--property <key=value>", "formatter settings: print.timestamp, print.partition, print.offset, print.headers, print.key, print.value, key.separator, line.separator, null.literal (repeatable)", collect, [])
    .option("--consumer-property <key=value>", "a consumer config, e.g. fetch.max.wait.ms=100 (repeatable)", collect, [])
    .option("--consumer.config <file>", "consumer configs from a properties file (--consumer-property wins)")
    .option("--group <id>", "not supported yet (consumer groups are not implemented)")
    .action(async (o: ConsumerOptions) => {
      if (o.group !== undefined) throw new Error("--group is not supported yet: replog has no consumer groups; read with --partition/--offset or --from-beginning");
      const formatter = formatterOptions(parsePairs(o.property, "--property"));
      // Kafka: --consumer-property pairs override the --consumer.config file.
      const config = consumerConfigFromProperties({ ...readClientProperties(o["consumer.config"], "--consumer.config"), ...parsePairs(o.consumerProperty, "--consumer-property") });
      const partition = wholeNumber(o.partition, "--partition");
      const offset = startOffset(o);
      const maxMessages = wholeNumber(o.maxMessages, "--max-messages");
      const timeoutMs = wholeNumber(o.timeoutMs, "--timeout-ms");
      const replog = new Replog({ clientId: "console-consumer", brokers: splitServers(o.bootstrapServer), requestTimeout: 10_000 });
      const consumer = replog.consumer({ autoOffsetReset: o.fromBeginning ? "earliest" : "latest", maxWaitTimeInMs: Math.min(500, timeoutMs ?? 500), ...config });
      let stopped = false;
      const stop = () => (stopped = true);
      process.once("SIGINT", stop);
      let count = 0;
      try {
        await consumer.connect();
        await consumer.assign([partition === undefined ? { topic: o.topic } : { topic: o.topic, partitions: [partition] }]);
        for (const a of consumer.assignment()) consumer.seek({ ...a, offset: offset });
        count = await consumeAndPrint(consumer, formatter, { maxMessages, timeoutMs, nowMs: () => performance.now(), stopped: () => stopped });
      } finally {
        process.removeListener("SIGINT", stop);
        process.stderr.write(`Processed a total of ${count} messages\n`);
        await consumer.disconnect();
      }
    });
}
