// The entry point, KafkaJS's `new Kafka(config)`: `new Replog({ clientId, brokers })` and then
// `.producer()`, `.consumer()`, `.admin()`. Each child gets its own Cluster (its own connections
// and metadata cache), as KafkaJS gives each its own cluster object, so disconnecting one never
// breaks another. Clock, randomness and timers can be passed in for tests.
import type { Clock, Random } from "@replog/common";
import { systemClock, systemRandom } from "@replog/common/node";
import { Admin } from "./admin.js";
import { Cluster } from "./cluster.js";
import { Consumer, type ConsumerConfig } from "./consumer.js";
import { loggerFromCreator, logLevel, type LogCreator, type LogLevel } from "./logging.js";
import { Producer, type ProducerConfig } from "./producer.js";
import { retryOptions, type RetryOptions } from "./retry.js";
import { systemTimers, type Timers } from "./timers.js";

export interface ReplogConfig {
  clientId?: string;
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Deadline of one request, ms (KafkaJS requestTimeout, Kafka request.timeout.ms; default 30000). */
  requestTimeout?: number;
  /** Kafka max.in.flight.requests.per.connection (default 5). */
  maxInFlightRequests?: number;
  /** Kafka metadata.max.age.ms (default 300000). */
  metadataMaxAge?: number;
  retry?: Partial<RetryOptions>;
  logLevel?: LogLevel;
  logCreator?: LogCreator;
  clock?: Clock;
  random?: Random;
  timers?: Timers;
}

export class Replog {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly timers: Timers;

  constructor(private readonly config: ReplogConfig) {
    if (!Array.isArray(config.brokers) || config.brokers.length === 0) throw new TypeError("brokers: at least one bootstrap address is needed");
    this.clock = config.clock ?? systemClock;
    this.random = config.random ?? systemRandom;
    this.timers = config.timers ?? systemTimers;
  }

  private logger(namespace: string) {
    return loggerFromCreator(this.config.logCreator, this.config.logLevel ?? logLevel.INFO, { namespace });
  }

  private cluster(namespace: string, extra: { maxInFlightRequests?: number; retry?: Partial<RetryOptions>; metadataMaxAge?: number } = {}): Cluster {
    return new Cluster({
      clientId: this.config.clientId ?? "replog",
      brokers: this.config.brokers,
      requestTimeoutMs: this.config.requestTimeout ?? 30_000,
      maxInFlightRequests: extra.maxInFlightRequests ?? this.config.maxInFlightRequests ?? 5,
      metadataMaxAgeMs: extra.metadataMaxAge ?? this.config.metadataMaxAge ?? 300_000,
      retry: retryOptions({ ...this.config.retry, ...extra.retry }),
      timers: this.timers,
      clock: this.clock,
      random: this.random,
      logger: this.logger(namespace),
    });
  }

  producer(config: ProducerConfig & { maxInFlightRequests?: number; metadataMaxAge?: number } = {}): Producer {
    const cluster = this.cluster("Producer", config);
    return new Producer(cluster, config, {
      clock: this.clock,
      random: this.random,
      timers: this.timers,
      logger: cluster.options.logger,
      requestTimeoutMs: cluster.options.requestTimeoutMs,
    }, () => cluster.close());
  }

  consumer(config: ConsumerConfig & { retry?: Partial<RetryOptions>; metadataMaxAge?: number } = {}): Consumer {
    const cluster = this.cluster("Consumer", config);
    return new Consumer(cluster, config, this.timers, cluster.options.logger, cluster.options.requestTimeoutMs, () => cluster.close());
  }

  admin(config: { retry?: Partial<RetryOptions> } = {}): Admin {
    const cluster = this.cluster("Admin", config);
    return new Admin(cluster, {
      clock: this.clock,
      random: this.random,
      timers: this.timers,
      logger: cluster.options.logger,
      requestTimeoutMs: cluster.options.requestTimeoutMs,
      retry: cluster.options.retry,
    }, () => cluster.close());
  }
}
