import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../main.js";
import { metricsTable, PerfStats, perfPlan, throttleDelayMs, totalLine, windowLine } from "./producer-perf-test.js";

// Kafka's ProducerPerformance lines, as regular expressions over the printf formats.
const WINDOW = /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/;
const TOTAL = /^\d+ records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;

describe("producer-perf-test lines", () => {
  it("prints the window line with Kafka's precision (MB = 2^20 bytes)", () => {
    const line = windowLine({ count: 1000, bytes: 1000 * 1024, elapsedMs: 500, totalLatencyMs: 2500, maxLatencyMs: 12.345 });
    expect(line).toBe("1000 records sent, 2000.0 records/sec (1.95 MB/sec), 2.5 ms avg latency, 12.3 ms max latency.");
    expect(line).toMatch(WINDOW);
  });

  it("prints the final line with %f records/sec and whole-ms percentiles", () => {
    const line = totalLine({ count: 3, bytes: 300, elapsedMs: 7, totalLatencyMs: 10, maxLatencyMs: 5, p50: 3, p95: 5, p99: 5, p999: 5 });
    expect(line).toBe("3 records sent, 428.571429 records/sec (0.04 MB/sec), 3.33 ms avg latency, 5.00 ms max latency, 3 ms 50th, 5 ms 95th, 5 ms 99th, 5 ms 99.9th.");
    expect(line).toMatch(TOTAL);
  });

  it("derives totals, windows and percentiles from recorded latencies", () => {
    const stats = new PerfStats(0);
    for (let i = 1; i <= 1000; i++) stats.record(i, 100);
    expect(stats.takeWindow(1000)).toBe("1000 records sent, 1000.0 records/sec (0.10 MB/sec), 500.5 ms avg latency, 1000.0 ms max latency.");
    stats.record(1, 100);
    // A new window holds only what came after the previous line.
    expect(stats.takeWindow(2000)).toBe("1 records sent, 1.0 records/sec (0.00 MB/sec), 1.0 ms avg latency, 1.0 ms max latency.");
    const t = stats.totals(2000);
    expect(t.count).toBe(1001);
    expect(t.bytes).toBe(100_100);
    expect(t.maxLatencyMs).toBe(1000);
    // hdr-histogram keeps three significant digits: the percentiles are within 0.1% of the exact ones.
    expect(t.p50).toBeGreaterThanOrEqual(499);
    expect(t.p50).toBeLessThanOrEqual(501);
    expect(t.p95).toBeGreaterThanOrEqual(949);
    expect(t.p95).toBeLessThanOrEqual(951);
    expect(t.p99).toBeGreaterThanOrEqual(989);
    expect(t.p99).toBeLessThanOrEqual(991);
    expect(t.p999).toBeGreaterThanOrEqual(998);
    expect(t.p999).toBeLessThanOrEqual(1000);
    expect(totalLine(t)).toMatch(TOTAL);
  });

  it("shows zeros, not NaN, when nothing was acknowledged", () => {
    const t = new PerfStats(0).totals(0);
    expect(totalLine(t)).toBe("0 records sent, 0.000000 records/sec (0.00 MB/sec), 0.00 ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.");
    expect(metricsTable(t, 2)).toContain("producer-metrics:record-error-total : 2");
  });
});

describe("producer-perf-test throttling (ThroughputThrottler)", () => {
  it("never waits without a target", () => {
    expect(throttleDelayMs(1_000_000, 1, -1)).toBe(0);
    expect(throttleDelayMs(1_000_000, 1, 0)).toBe(0);
  });

  it("waits until the average is back at the target", () => {
    // 100 records/s: record 50 is due at 500 ms.
    expect(throttleDelayMs(50, 200, 100)).toBe(300);
    expect(throttleDelayMs(50, 500, 100)).toBe(0);
    expect(throttleDelayMs(50, 900, 100)).toBe(0);
  });
});

describe("producer-perf-test arguments", () => {
  const base = { topic: "t", numRecords: "10", recordSize: "100", throughput: "-1" };

  it("takes bootstrap.servers and client configs from --producer-props", () => {
    const plan = perfPlan({ ...base, producerProps: ["bootstrap.servers=a:1,b:2", "acks=all", "linger.ms=7"] });
    expect(plan).toEqual({ topic: "t", numRecords: 10, recordSize: 100, throughput: -1, bootstrapServers: ["a:1", "b:2"], props: { acks: "all", "linger.ms": "7" } });
  });

  it("reads --producer.config, which --producer-props override", () => {
    const dir = mkdtempSync(join(tmpdir(), "replog-perf-"));
    try {
      const file = join(dir, "producer.properties");
      writeFileSync(file, "bootstrap.servers=c:3\nlinger.ms=1\nacks=1\n");
      const plan = perfPlan({ ...base, producerProps: ["acks=all"], "producer.config": file });
      expect(plan.bootstrapServers).toEqual(["c:3"]);
      expect(plan.props).toEqual({ "linger.ms": "1", acks: "all" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a run without brokers and bad numbers, naming the flag", () => {
    expect(() => perfPlan({ ...base, producerProps: ["acks=all"] })).toThrow(/bootstrap\.servers/);
    expect(() => perfPlan({ ...base, numRecords: "0", producerProps: ["bootstrap.servers=a:1"] })).toThrow(/--num-records/);
    expect(() => perfPlan({ ...base, recordSize: "1.5", producerProps: ["bootstrap.servers=a:1"] })).toThrow(/--record-size/);
    expect(() => perfPlan({ ...base, throughput: "fast", producerProps: ["bootstrap.servers=a:1"] })).toThrow(/--throughput/);
    expect(() => perfPlan({ ...base, producerProps: ["bootstrap.servers"] })).toThrow(/--producer-props expects key=value/);
  });

  it("parses Kafka's command line, --producer-props taking several pairs", () => {
    const cmd = buildProgram().commands.find((c) => c.name() === "producer-perf-test");
    expect(cmd).toBeDefined();
    cmd!.parseOptions(["--topic", "t", "--num-records", "5", "--record-size", "10", "--throughput", "-1", "--producer-props", "bootstrap.servers=a:1", "acks=all", "--print-metrics"]);
    expect(cmd!.opts()).toMatchObject({ topic: "t", numRecords: "5", recordSize: "10", throughput: "-1", producerProps: ["bootstrap.servers=a:1", "acks=all"], printMetrics: true });
  });
});
