// Kafka's dotted config names (as `--producer-property linger.ms=10` passes them) mapped onto the
// client's camelCase options, in one place. An unknown or unsupported key is refused with a
// message that names it, as the servers do (DESIGN.md section 6).
import type { ConsumerConfig } from "./consumer.js";
import type { OffsetResetPolicy } from "./fetcher.js";
import type { Acks, Compression, ProducerConfig } from "./producer.js";

function int(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new TypeError(`Invalid value ${value} for configuration ${key}: not an integer`);
  return n;
}

function acks(value: string): Acks {
  const v = value === "all" ? "-1" : value;
  if (!["-1", "0", "1"].includes(v)) throw new TypeError(`Invalid value ${value} for configuration acks: must be all, -1, 0 or 1`);
  return Number(v) as Acks;
}

export function producerConfigFromProperties(props: Readonly<Record<string, string>>): ProducerConfig & { requestTimeout?: number; maxInFlightRequests?: number } {
  const c: ProducerConfig & { requestTimeout?: number; maxInFlightRequests?: number } = {};
  for (const [key, value] of Object.entries(props)) {
    switch (key) {
      case "acks": c.acks = acks(value); break;
      case "linger.ms": c.lingerMs = int(key, value); break;
      case "batch.size": c.batchSize = int(key, value); break;
      case "buffer.memory": c.bufferMemory = int(key, value); break;
      case "max.block.ms": c.maxBlockMs = int(key, value); break;
      case "delivery.timeout.ms": c.deliveryTimeoutMs = int(key, value); break;
      case "max.request.size": c.maxRequestSize = int(key, value); break;
      case "request.timeout.ms": c.requestTimeout = int(key, value); break;
      case "max.in.flight.requests.per.connection": c.maxInFlightRequests = int(key, value); break;
      case "retries": c.retry = { ...c.retry, retries: int(key, value) }; break;
      case "retry.backoff.ms": c.retry = { ...c.retry, initialRetryTime: int(key, value) }; break;
      case "retry.backoff.max.ms": c.retry = { ...c.retry, maxRetryTime: int(key, value) }; break;
      case "compression.type":
        if (!["none", "gzip", "lz4"].includes(value)) throw new TypeError(`Invalid value ${value} for configuration compression.type: supported are none, gzip, lz4`);
        c.compression = value as Compression;
        break;
      case "enable.idempotence":
        if (value !== "true" && value !== "false") throw new TypeError(`Invalid value ${value} for configuration enable.idempotence: must be true or false`);
        c.idempotent = value === "true";
        break;
      case "client.id": break;
      default: throw new TypeError(`Unknown producer configuration ${key}`);
    }
  }
  return c;
}

export function consumerConfigFromProperties(props: Readonly<Record<string, string>>): ConsumerConfig {
  const c: ConsumerConfig = {};
  for (const [key, value] of Object.entries(props)) {
    switch (key) {
      case "fetch.min.bytes": c.minBytes = int(key, value); break;
      case "fetch.max.bytes": c.maxBytes = int(key, value); break;
      case "fetch.max.wait.ms": c.maxWaitTimeInMs = int(key, value); break;
      case "max.partition.fetch.bytes": c.maxBytesPerPartition = int(key, value); break;
      case "auto.offset.reset":
        if (!["earliest", "latest", "none"].includes(value)) throw new TypeError(`Invalid value ${value} for configuration auto.offset.reset: must be earliest, latest or none`);
        c.autoOffsetReset = value as OffsetResetPolicy;
        break;
      case "group.id": c.groupId = value; break;
      case "client.id": break;
      default: throw new TypeError(`Unknown consumer configuration ${key}`);
    }
  }
  return c;
}
