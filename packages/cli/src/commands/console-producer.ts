// `replog console-producer`, shaped like kafka-console-producer.sh (ConsoleProducer.java,
// LineMessageReader.java): one record per stdin line, sent asynchronously (or one at a time with
// --sync), keys parsed with `--property parse.key=true` and `key.separator`, headers with
// `parse.headers=true` (Kafka 3.2's `h1:v1,h2:v2<TAB>key<TAB>value` lines). A failed send is
// reported on stderr with its Kafka error name and the command exits non-zero once stdin is done.

import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Command } from "commander";
import { producerConfigFromProperties, Replog, ReplogError, type Acks, type Compression, type Message, type Producer } from "@replog/client";
import { collect, readClientProperties } from "./options.js";
import { parsePairs, splitServers } from "./topics.js";

/** Sends allowed to be pending at once; buffer.memory bounds the bytes, this bounds the promises. */
const PENDING_SENDS_MAX = 1_000;

export interface LineReaderOptions {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: string | undefined;
}

const READER_KEYS = ["parse.key", "key.separator", "parse.headers", "headers.delimiter", "headers.separator", "headers.key.separator", "null.marker", "ignore.error"];

export function readerOptions(props: Record<string, string>): LineReaderOptions {
  for (const k of Object.keys(props)) if (!READER_KEYS.includes(k)) throw new Error(`unknown --property ${k} (supported: ${READER_KEYS.join(", ")})`);
  return {
    parseKey: props["parse.key"] === "true",
    keySeparator: props["key.separator"] ?? "\t",
    parseHeaders: props["parse.headers"] === "true",
    headersDelimiter: props["headers.delimiter"] ?? "\t",
    headersSeparator: props["headers.separator"] ?? ",",
    headersKeySeparator: props["headers.key.separator"] ?? ":",
    nullMarker: props["null.marker"],
  };
}

const invalid = (message: string) => new ReplogError("INVALID_RECORD", message, { retriable: false });

/** Kafka's header part of a line: `k1:v1,k2:v2` (a value equal to null.marker is null). */
function parseHeaders(text: string, o: LineReaderOptions, lineNumber: number): Record<string, string | null> {
  const headers: Record<string, string | null> = {};
  if (text === "") return headers;
  for (const pair of text.split(o.headersSeparator)) {
    const i = pair.indexOf(o.headersKeySeparator);
    if (i < 0) throw invalid(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
    const key = pair.slice(0, i);
    if (o.nullMarker !== undefined && key === o.nullMarker) throw invalid(`Header keys should not be equal to the null marker '${o.nullMarker}' as they can't be null`);
    const value = pair.slice(i + o.headersKeySeparator.length);
    headers[key] = o.nullMarker !== undefined && value === o.nullMarker ? null : value;
  }
  return headers;
}

/** LineMessageReader: a line → headers, key and value (null.marker reads as null). */
export function lineToMessage(line: string, o: LineReaderOptions, lineNumber = 1): Message {
  const nullable = (s: string) => (o.nullMarker !== undefined && s === o.nullMarker ? null : s);
  let rest = line;
  let headers: Record<string, string | null> | undefined;
  if (o.parseHeaders) {
    const h = rest.indexOf(o.headersDelimiter);
    if (h < 0) throw invalid(`No headers delimiter found on line number ${lineNumber}: '${line}'`);
    headers = parseHeaders(rest.slice(0, h), o, lineNumber);
    rest = rest.slice(h + o.headersDelimiter.length);
  }
  const withHeaders = (m: Message): Message => (headers === undefined ? m : { ...m, headers });
  if (!o.parseKey) return withHeaders({ value: nullable(rest) });
  const i = rest.indexOf(o.keySeparator);
  if (i < 0) throw invalid(`No key separator found on line: ${line}`);
  return withHeaders({ key: nullable(rest.slice(0, i)), value: nullable(rest.slice(i + o.keySeparator.length)) });
}

export function acksOption(value: string): Acks {
  const v = value === "all" ? "-1" : value;
  if (!["-1", "0", "1"].includes(v)) throw new Error(`--request-required-acks must be all, -1, 0 or 1 (got ${value})`);
  return Number(v) as Acks;
}

interface ProducerOptions {
  bootstrapServer: string;
  topic: string;
  requestRequiredAcks: string;
  producerProperty: string[];
  "producer.config"?: string;
  property: string[];
  compressionCodec?: string;
  sync?: boolean;
  requestTimeoutMs?: string;
  messageSendMaxRetries?: string;
  batchSize?: string;
  lingerMs?: string;
}

/** Reads every line of `input` and sends it; returns how many sends failed. */
export async function produceLines(producer: Producer, topic: string, input: Readable, reader: LineReaderOptions, sync: boolean): Promise<number> {
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const report = (e: unknown) => {
    failed++;
    const err = e as ReplogError;
    process.stderr.write(`Error when sending message to topic ${topic}: ${err.type ? `${err.type}: ` : ""}${err.message}\n`);
  };
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    let message: Message;
    try {
      message = lineToMessage(line, reader, lineNumber);
    } catch (e) {
      report(e);
      continue;
    }
    const sent = producer.send({ topic, messages: [message] }).then(() => undefined, report);
    if (sync) {
      await sent;
      continue;
    }
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
    if (pending.size >= PENDING_SENDS_MAX) await Promise.race(pending);
  }
  await Promise.all(pending);
  return failed;
}

/** The producer config from Kafka's console-producer flags and --producer-property pairs. */
export function producerSettings(o: Pick<ProducerOptions, "producerProperty" | "requestRequiredAcks" | "compressionCodec" | "requestTimeoutMs" | "messageSendMaxRetries" | "batchSize" | "lingerMs" | "producer.config">) {
  // Kafka: --producer-property pairs override the --producer.config file.
  const props = { ...readClientProperties(o["producer.config"], "--producer.config"), ...parsePairs(o.producerProperty, "--producer-property") };
  if (o.compressionCodec) props["compression.type"] = o.compressionCodec;
  if (o.requestTimeoutMs) props["request.timeout.ms"] = o.requestTimeoutMs;
  if (o.messageSendMaxRetries) props["retries"] = o.messageSendMaxRetries;
  if (o.batchSize) props["batch.size"] = o.batchSize;
  if (o.lingerMs) props["linger.ms"] = o.lingerMs;
  const config = producerConfigFromProperties(props);
  // --request-required-acks wins unless acks came as a --producer-property.
  if (props.acks === undefined) config.acks = acksOption(o.requestRequiredAcks);
  return config;
}

export function consoleProducerCommand(): Command {
  return new Command("console-producer")
    .description("Send stdin lines as records (like kafka-console-producer.sh).")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .requiredOption("--topic <name>", "the topic to write to")
    .option("--request-required-acks <acks>", "all (-1), 1 or 0", "-1")
    .option("--producer-property <key=value>", "a producer config, e.g. linger.ms=10 (repeatable)", collect, [])
    .option("--producer.config <file>", "producer configs from a properties file (--producer-property wins)")
    .option("--property <key=value>", "line reader settings: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker (repeatable)", collect, [])
    .option("--compression-codec <codec>", "none, gzip or lz4")
    .option("--sync", "send each line and wait for its answer before reading the next")
    .option("--request-timeout-ms <ms>", "request.timeout.ms")
    .option("--message-send-max-retries <n>", "retries")
    .option("--batch-size <bytes>", "batch.size")
    .option("--linger-ms <ms>", "linger.ms")
    .action(async (o: ProducerOptions) => {
      const config = producerSettings(o);
      const reader = readerOptions(parsePairs(o.property, "--property"));
      const replog = new Replog({ clientId: "console-producer", brokers: splitServers(o.bootstrapServer), requestTimeout: config.requestTimeout, maxInFlightRequests: config.maxInFlightRequests });
      const producer = replog.producer({ ...config, compression: config.compression as Compression | undefined });
      await producer.connect();
      let failed: number;
      try {
        failed = await produceLines(producer, o.topic, process.stdin, reader, Boolean(o.sync));
      } finally {
        await producer.disconnect();
      }
      if (failed > 0) throw new Error(`${failed} message(s) could not be sent to ${o.topic}`);
    });
}
