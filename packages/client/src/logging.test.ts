import { describe, expect, it } from "vitest";
import { loggerFromCreator, logLevel, type LogEntry } from "./logging.js";

describe("logCreator adapter", () => {
  it("forwards entries at or above the level in KafkaJS's shape, with child bindings", () => {
    const entries: LogEntry[] = [];
    const logger = loggerFromCreator(() => (e) => entries.push(e), logLevel.INFO, { namespace: "Producer" });
    logger.debug("hidden");
    logger.info({ topic: "t" }, "retrying produce");
    logger.child({ broker: "b1" }).error("stream closed");
    expect(entries.map((e) => [e.namespace, e.label, e.level, e.log.message])).toEqual([
      ["Producer", "INFO", 4, "retrying produce"],
      ["Producer", "ERROR", 1, "stream closed"],
    ]);
    expect(entries[0]!.log).toMatchObject({ topic: "t" });
    expect(entries[1]!.log).toMatchObject({ broker: "b1" });
  });

  it("is silent without a logCreator or at NOTHING", () => {
    const entries: LogEntry[] = [];
    loggerFromCreator(undefined, logLevel.DEBUG).error("x");
    loggerFromCreator(() => (e) => entries.push(e), logLevel.NOTHING).error("x");
    expect(entries).toEqual([]);
  });
});
