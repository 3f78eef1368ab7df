// The Kafka perf tools against real brokers (replog dev, three controllers and three brokers):
// producer-perf-test prints ProducerPerformance's final line (and, on a run longer than five
// seconds, its window lines) for exactly the records asked for, all acknowledged with acks=all;
// consumer-perf-test prints ConsumerPerformance's CSV header and a line of totals counting exactly
// what is in the topic, and warns when --messages asks for more than there is.

import { afterAll, beforeAll, describe, it } from "vitest";
import { replog, TestCluster } from "./support/cluster.js";

const WINDOW = /^(\d+) records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/;
const TOTAL = /^(\d+) records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;
const HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
const DATE = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}:\\d{3}";
const SUMMARY = new RegExp(`^${DATE}, ${DATE}, (\\d+\\.\\d{4}), \\d+\\.\\d{4}, (\\d+), \\d+\\.\\d{4}, 0, \\d+, \\d+\\.\\d{4}, \\d+\\.\\d{4}$`);

let cluster: TestCluster;
let bootstrap: string;

beforeAll(async () => {
  cluster = await TestCluster.start({ controllers: 3, brokers: 3, overrides: ["controller.quorum.election.timeout.ms=500"] });
  bootstrap = cluster.file().bootstrapServers;
  await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "perf", "--partitions", "3", "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
  await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "paced", "--partitions", "1", "--replication-factor", "3"]);
});
afterAll(async () => {
  await cluster?.destroy();
});

const lines = (s: string) => s.trimEnd().split("\n");

// Concurrent: the tests use topics of their own, and the throttled run spends its five seconds waiting.
describe.concurrent("perf tools against real brokers", () => {
  it("producer-perf-test sends exactly --num-records and consumer-perf-test reads them back", async ({ expect }) => {
    const produced = await replog(["producer-perf-test", "--topic", "perf", "--num-records", "2000", "--record-size", "100", "--throughput", "-1", "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=all"]);
    const final = lines(produced.stdout).at(-1)!;
    const m = TOTAL.exec(final);
    expect(m, final).not.toBeNull();
    expect(Number(m![1])).toBe(2000);
    const [p50, p95, p99, p999] = m!.slice(2).map(Number) as [number, number, number, number];
    expect(p50 <= p95 && p95 <= p99 && p99 <= p999).toBe(true);

    const consumed = await replog(["consumer-perf-test", "--bootstrap-server", bootstrap, "--topic", "perf", "--messages", "2000"]);
    const [header, summary, ...rest] = lines(consumed.stdout);
    expect(header).toBe(HEADER);
    expect(rest).toEqual([]);
    const s = SUMMARY.exec(summary!);
    expect(s, summary).not.toBeNull();
    expect(Number(s![2])).toBe(2000);
    // 2000 values of 100 bytes, in MB of 2^20 bytes.
    expect(s![1]).toBe((200_000 / 1024 / 1024).toFixed(4));

    // The topic holds exactly 2000 records: asking for one more ends on --timeout with Kafka's warning.
    const short = await replog(["consumer-perf-test", "--bootstrap-server", bootstrap, "--topic", "perf", "--messages", "2001", "--timeout", "1000", "--hide-header"]);
    const only = lines(short.stdout);
    expect(only).toHaveLength(1);
    expect(Number(SUMMARY.exec(only[0]!)?.[2])).toBe(2000);
    expect(short.stderr).toContain("WARNING: Exiting before consuming the expected number of messages: timeout (1000 ms) exceeded.");
  });

  it("a throttled run longer than five seconds prints Kafka's window line before the final one", async ({ expect }) => {
    // 2100 records at 400 records/s: the last is not sent before 5.25 s (ThroughputThrottler), so
    // the five-second window line comes first.
    const produced = await replog(["producer-perf-test", "--topic", "paced", "--num-records", "2100", "--record-size", "10", "--throughput", "400", "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=1", "--print-metrics"]);
    const out = lines(produced.stdout);
    const metricsAt = out.indexOf("");
    const report = out.slice(0, metricsAt);
    expect(report.length).toBeGreaterThanOrEqual(2);
    for (const l of report.slice(0, -1)) expect(l).toMatch(WINDOW);
    const windows = report.slice(0, -1).reduce((n, l) => n + Number(WINDOW.exec(l)![1]), 0);
    expect(windows).toBeLessThanOrEqual(2100);
    expect(Number(TOTAL.exec(report.at(-1)!)?.[1])).toBe(2100);
    expect(out.slice(metricsAt + 1)[0]).toMatch(/^Metric Name\s+Value$/);
    expect(out).toContain("producer-metrics:record-error-total : 0");

    const detailed = await replog(["consumer-perf-test", "--bootstrap-server", bootstrap, "--topic", "paced", "--messages", "2100", "--show-detailed-stats"]);
    // The detailed header replaces start/end with time and threadId; no totals line follows.
    const d = lines(detailed.stdout);
    expect(d[0]).toBe(HEADER.replace("start.time, end.time", "time, threadId"));
    for (const l of d.slice(1)) expect(l).toMatch(new RegExp(`^${DATE}, 0, \\d+\\.\\d{4}, \\d+\\.\\d{4}, \\d+, \\d+\\.\\d{4}, 0, \\d+, \\d+\\.\\d{4}, \\d+\\.\\d{4}$`));
  });

  it("refuses a run without brokers, naming bootstrap.servers", async ({ expect }) => {
    const r = await replog(["producer-perf-test", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--throughput", "-1", "--producer-props", "acks=all"]).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stderr: string }).stderr).toMatch(/^Error: .*bootstrap\.servers/);
  });
});
