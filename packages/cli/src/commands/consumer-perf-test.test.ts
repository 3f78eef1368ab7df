import { describe, expect, it } from "vitest";
import { buildProgram } from "../main.js";
import { consumerPerfPlan, DETAILED_HEADER, detailedLine, formatDate, SUMMARY_HEADER, summaryLine } from "./consumer-perf-test.js";

const DATE = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}:\\d{3}";
const SUMMARY = new RegExp(`^${DATE}, ${DATE}, \\d+\\.\\d{4}, \\d+\\.\\d{4}, \\d+, \\d+\\.\\d{4}, \\d+, \\d+, \\d+\\.\\d{4}, \\d+\\.\\d{4}$`);

describe("consumer-perf-test lines", () => {
  it("has Kafka's CSV headers", () => {
    expect(SUMMARY_HEADER).toBe("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
    expect(DETAILED_HEADER.split(", ").slice(0, 2)).toEqual(["time", "threadId"]);
    expect(DETAILED_HEADER.split(", ").slice(2)).toEqual(SUMMARY_HEADER.split(", ").slice(2));
  });

  it("formats dates as yyyy-MM-dd HH:mm:ss:SSS in local time", () => {
    const t = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
    expect(formatDate(t)).toBe("2024-01-02 03:04:05:006");
  });

  it("prints the totals with four decimals; fetch time is the run minus the rebalance time", () => {
    const startMs = new Date(2024, 0, 2, 3, 4, 5, 0).getTime();
    const line = summaryLine({ startMs, endMs: startMs + 2000, bytes: 2 * 1024 * 1024, messages: 1000, rebalanceMs: 0 });
    expect(line).toBe("2024-01-02 03:04:05:000, 2024-01-02 03:04:07:000, 2.0000, 1.0000, 1000, 500.0000, 0, 2000, 1.0000, 500.0000");
    expect(line).toMatch(SUMMARY);
    expect(summaryLine({ startMs, endMs: startMs + 2000, bytes: 0, messages: 0, rebalanceMs: 1000 }).split(", ").slice(6)).toEqual(["1000", "1000", "0.0000", "0.0000"]);
  });

  it("prints zero rates, not NaN, for an instant run", () => {
    expect(summaryLine({ startMs: 0, endMs: 0, bytes: 10, messages: 1, rebalanceMs: 0 })).toMatch(SUMMARY);
  });

  it("prints detailed lines with cumulative totals and interval rates", () => {
    const nowMs = new Date(2024, 0, 2, 3, 4, 5, 0).getTime();
    const line = detailedLine({ nowMs, bytes: 3 * 1024 * 1024, lastBytes: 1024 * 1024, messages: 300, lastMessages: 100, intervalMs: 2000, rebalanceMs: 0 });
    expect(line).toBe("2024-01-02 03:04:05:000, 0, 3.0000, 1.0000, 300, 100.0000, 0, 2000, 1.0000, 100.0000");
  });
});

describe("consumer-perf-test arguments", () => {
  const base = { bootstrapServer: "a:1,b:2", topic: "t", messages: "10", timeout: "10000", reportingInterval: "5000" };

  it("builds the plan with Kafka's defaults", () => {
    expect(consumerPerfPlan(base)).toEqual({ brokers: ["a:1", "b:2"], topic: "t", messages: 10, timeoutMs: 10_000, reportingIntervalMs: 5000, showDetailedStats: false, hideHeader: false, props: {} });
    expect(consumerPerfPlan({ ...base, fetchSize: "4096", hideHeader: true }).props).toEqual({ "max.partition.fetch.bytes": "4096" });
  });

  it("refuses bad numbers, naming the flag", () => {
    expect(() => consumerPerfPlan({ ...base, messages: "0" })).toThrow(/--messages/);
    expect(() => consumerPerfPlan({ ...base, timeout: "soon" })).toThrow(/--timeout/);
    expect(() => consumerPerfPlan({ ...base, fetchSize: "-1" })).toThrow(/--fetch-size/);
    expect(() => consumerPerfPlan({ ...base, bootstrapServer: "," })).toThrow(/--bootstrap-server/);
  });

  it("parses Kafka's command line and says in --help why rebalance.time.ms is 0", () => {
    const cmd = buildProgram().commands.find((c) => c.name() === "consumer-perf-test");
    expect(cmd).toBeDefined();
    cmd!.parseOptions(["--bootstrap-server", "a:1", "--topic", "t", "--messages", "5", "--show-detailed-stats", "--hide-header"]);
    expect(cmd!.opts()).toMatchObject({ bootstrapServer: "a:1", topic: "t", messages: "5", timeout: "10000", reportingInterval: "5000", showDetailedStats: true, hideHeader: true });
    let help = "";
    cmd!.configureOutput({ writeOut: (s) => (help += s) });
    cmd!.outputHelp();
    expect(help).toMatch(/rebalance\.time\.ms is always 0/);
  });
});
