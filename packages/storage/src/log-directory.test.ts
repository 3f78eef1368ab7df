import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { ManualClock, SeededRandom, leaderEpoch } from "@replog/common";
import { LogDirectory, parsePartitionDirName } from "./log-directory.js";
import { logConfig } from "./log-config.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { NodeFileIO } from "./node-file-io.js";
import { readAll, testBatch } from "./test-support/batches.js";
import { tempDir } from "./test-support/temp-dir.js";

const config = () => logConfig({ "segment.bytes": "500" });

describe("LogDirectory", () => {
  it("parses partition directory names, topics with dashes included", () => {
    expect(parsePartitionDirName("orders-3")).toEqual({ topic: "orders", partition: 3 });
    expect(parsePartitionDirName("my-topic-12")).toEqual({ topic: "my-topic", partition: 12 });
    expect(parsePartitionDirName("meta.properties")).toBeUndefined();
    expect(parsePartitionDirName("a b-1")).toBeUndefined();
  });

  it("leaves the metadata log directory (__cluster_metadata-0) alone: it is the Raft shell's", async () => {
    const dir = await tempDir();
    const io = new NodeFileIO();
    await mkdir(join(dir, "__cluster_metadata-0"));
    const raftLog = join(dir, "__cluster_metadata-0", "00000000000000000000.log");
    await writeFile(raftLog, "raft entries the partition log must never recover or index");
    const logs = new LogDirectory(dir, { clock: new ManualClock(), io });
    expect([...(await logs.loadLogs(config)).keys()]).toEqual([]);
    await logs.close();
    expect(await readdir(join(dir, "__cluster_metadata-0"))).toEqual(["00000000000000000000.log"]);
    expect(await readFile(raftLog, "utf8")).toBe("raft entries the partition log must never recover or index");
  });

  it("writes Kafka's per-directory checkpoints and the clean-shutdown marker, and reloads from them", async () => {
    const dir = await tempDir();
    const clock = new ManualClock();
    const logs = new LogDirectory(dir, { clock, io: new NodeFileIO() });
    await logs.loadLogs(config);
    const a = await logs.getOrCreate({ topic: "orders", partition: 0 }, config());
    const b = await logs.getOrCreate({ topic: "my-topic", partition: 1 }, config());
    for (let i = 0; i < 12; i++) await a.appendAsLeader(testBatch({ records: 2, valueBytes: 40, tag: i }), leaderEpoch(1));
    await b.appendAsLeader(testBatch(), leaderEpoch(2));
    await a.advanceLogStartOffset(3, 24);
    const before = await readAll(a);
    await logs.close();
    expect((await readdir(dir)).sort()).toEqual([
      ".kafka_cleanshutdown",
      "cleaner-offset-checkpoint",
      "log-start-offset-checkpoint",
      "my-topic-1",
      "orders-0",
      "recovery-point-offset-checkpoint",
    ]);
    expect(await readFile(join(dir, "recovery-point-offset-checkpoint"), "utf8")).toBe("0\n2\norders 0 24\nmy-topic 1 1\n");
    expect(await readFile(join(dir, "log-start-offset-checkpoint"), "utf8")).toBe("0\n2\norders 0 3\nmy-topic 1 0\n");

    const again = new LogDirectory(dir, { clock, io: new NodeFileIO() });
    const loaded = await again.loadLogs(config);
    expect([...loaded.keys()].sort()).toEqual(["my-topic-1", "orders-0"]);
    const a2 = again.get({ topic: "orders", partition: 0 })!;
    expect([a2.logStartOffset, a2.logEndOffset, a2.recoveryPoint]).toEqual([3, 24, 24]);
    expect(await readAll(a2)).toEqual(before);
    expect(await readdir(dir)).not.toContain(".kafka_cleanshutdown");
    await again.delete({ topic: "my-topic", partition: 1 });
    expect(await readdir(dir)).not.toContain("my-topic-1");
    await again.close();
  });

  it("after a crash (no marker) recovers each log from its checkpointed recovery point", async () => {
    const clock = new ManualClock();
    let io = new MemoryFileIO();
    const logs = new LogDirectory("/data", { clock, io });
    await logs.loadLogs(config);
    const a = await logs.getOrCreate({ topic: "t", partition: 0 }, config());
    for (let i = 0; i < 6; i++) await a.appendAsLeader(testBatch({ records: 2, tag: i }), leaderEpoch(1));
    await a.flush();
    await logs.checkpoint();
    for (let i = 6; i < 9; i++) await a.appendAsLeader(testBatch({ records: 2, tag: i }), leaderEpoch(1));
    io = io.crash(new SeededRandom(7));
    await a.abandon();
    const again = new LogDirectory("/data", { clock, io });
    await again.loadLogs(config);
    const a2 = again.get({ topic: "t", partition: 0 })!;
    expect(a2.logEndOffset).toBeGreaterThanOrEqual(12);
    expect(a2.recoveryPoint).toBe(12);
    await again.close();
  });
});
