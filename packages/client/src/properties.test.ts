import { describe, expect, it } from "vitest";
import { consumerConfigFromProperties, producerConfigFromProperties } from "./properties.js";

describe("Kafka property names", () => {
  it("map producer properties onto the producer's options", () => {
    expect(
      producerConfigFromProperties({
        acks: "all",
        "linger.ms": "10",
        "batch.size": "32768",
        "buffer.memory": "1048576",
        "compression.type": "lz4",
        "delivery.timeout.ms": "5000",
        "max.in.flight.requests.per.connection": "1",
        "request.timeout.ms": "2000",
        retries: "3",
        "retry.backoff.ms": "50",
        "enable.idempotence": "false",
      }),
    ).toEqual({
      acks: -1,
      lingerMs: 10,
      batchSize: 32768,
      bufferMemory: 1048576,
      compression: "lz4",
      deliveryTimeoutMs: 5000,
      maxInFlightRequests: 1,
      requestTimeout: 2000,
      retry: { retries: 3, initialRetryTime: 50 },
      idempotent: false,
    });
  });

  it("refuse unknown keys and bad values, naming them", () => {
    expect(() => producerConfigFromProperties({ "linger.msec": "1" })).toThrow("Unknown producer configuration linger.msec");
    expect(() => producerConfigFromProperties({ "linger.ms": "soon" })).toThrow("Invalid value soon for configuration linger.ms");
    expect(() => producerConfigFromProperties({ "compression.type": "zstd" })).toThrow(/compression.type: supported are none, gzip, lz4/);
    expect(producerConfigFromProperties({ "enable.idempotence": "true" }).idempotent).toBe(true);
    expect(() => producerConfigFromProperties({ "enable.idempotence": "yes" })).toThrow(/enable.idempotence: must be true or false/);
    expect(() => producerConfigFromProperties({ acks: "2" })).toThrow(/acks: must be all, -1, 0 or 1/);
  });

  it("map consumer properties onto the consumer's options", () => {
    expect(consumerConfigFromProperties({ "fetch.min.bytes": "10", "fetch.max.wait.ms": "100", "max.partition.fetch.bytes": "4096", "auto.offset.reset": "earliest" })).toEqual({
      minBytes: 10,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4096,
      autoOffsetReset: "earliest",
    });
    expect(() => consumerConfigFromProperties({ "auto.offset.reset": "smallest" })).toThrow(/auto.offset.reset: must be earliest, latest or none/);
    expect(() => consumerConfigFromProperties({ "enable.auto.commit": "true" })).toThrow("Unknown consumer configuration enable.auto.commit");
  });
});
