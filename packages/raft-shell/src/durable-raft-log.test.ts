import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingLogger, logIndex, nodeId, term, type NodeId } from "@replog/common";
import type { Entry } from "@replog/raft";
import { DurableRaftLog, METADATA_PARTITION_DIR, logFileName } from "./durable-raft-log.js";

const voters: NodeId[] = [nodeId(1), nodeId(2), nodeId(3)];
let dir: string;
let logger: RecordingLogger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "replog-raftlog-"));
  logger = new RecordingLogger();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (index: number, t: number, text = `e${index}`): Entry => ({
  index: logIndex(index),
  term: term(t),
  type: text === "" ? "noop" : "normal",
  data: Buffer.from(text),
});
const open = () => DurableRaftLog.open(dir, voters, logger, () => 1_700_000_000_000);
const all = (log: DurableRaftLog) => log.entries(log.firstIndex(), logIndex(log.lastIndex() + 1)).map((e) => `${e.index}/${e.term}/${e.type}/${Buffer.from(e.data).toString()}`);

describe("DurableRaftLog", () => {
  it("persists entries, term and vote across a reopen", () => {
    const log = open();
    log.append([entry(1, 1, ""), entry(2, 1), entry(3, 2)]);
    log.setHardState({ term: term(2), vote: nodeId(3), commit: logIndex(2) });
    log.sync();
    log.close();
    const again = open();
    expect(all(again)).toEqual(["1/1/noop/", "2/1/normal/e2", "3/2/normal/e3"]);
    expect(again.initialState().hardState).toEqual({ term: 2, vote: 3, commit: 2 });
    expect(again.term(logIndex(3))).toBe(2);
    again.close();
  });

  it("cuts a conflicting suffix on disk too (Raft §5.3)", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    log.append([entry(2, 2, "x"), entry(3, 2, "y"), entry(4, 2, "z")]);
    log.close();
    expect(all(open())).toEqual(["1/1/normal/e1", "2/2/normal/x", "3/2/normal/y", "4/2/normal/z"]);
  });

  it("recovers from a tail torn at every byte: keeps exactly the whole entries before the tear", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    log.close();
    const file = join(dir, METADATA_PARTITION_DIR, logFileName(0));
    const full = readFileSync(file);
    for (let cut = 0; cut < full.length; cut++) {
      writeFileSync(file, full.subarray(0, cut));
      const reopened = open();
      const kept = all(reopened);
      expect(["1/1/normal/e1", "2/1/normal/e2", "3/2/normal/e3"].slice(0, kept.length)).toEqual(kept);
      expect(kept.length).toBeLessThan(3);
      expect(statSync(file).size).toBeLessThanOrEqual(cut);
      reopened.close();
    }
    expect(logger.lines.some((l) => l.msg === "metadata log: cut a torn or corrupt tail")).toBe(true);
  });

  it("cuts a corrupt entry (CRC) and everything after it", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    log.close();
    const file = join(dir, METADATA_PARTITION_DIR, logFileName(0));
    const bytes = readFileSync(file);
    const entrySize = bytes.length / 3; // three entries of equal size
    bytes[2 * entrySize - 1]! ^= 0x01; // the last byte of the second entry's record

    writeFileSync(file, bytes);
    expect(all(open())).toEqual(["1/1/normal/e1"]);
  });

  it("snapshots and compacts; reopens from the snapshot plus the remaining entries", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
    log.setHardState({ term: term(2), vote: null, commit: logIndex(4) });
    log.snapshotAndCompact(logIndex(3), Buffer.from("state@3"));
    expect(log.firstIndex()).toBe(4);
    log.append([entry(5, 2)]);
    log.close();
    const names = readdirSync(join(dir, METADATA_PARTITION_DIR)).sort();
    expect(names).toEqual(["00000000000000000003-0000000002.checkpoint", "00000000000000000003.log", "quorum-state"]);
    const again = open();
    expect(again.snapshot().meta).toEqual({ index: 3, term: 2, voters });
    expect(Buffer.from(again.snapshot().data).toString()).toBe("state@3");
    expect(all(again)).toEqual(["4/2/normal/e4", "5/2/normal/e5"]);
    expect(again.term(logIndex(3))).toBe(2);
  });

  it("installs a leader's snapshot in place of the whole log (Raft §7)", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1)]);
    log.applySnapshot({ meta: { index: logIndex(10), term: term(4), voters }, data: Buffer.from("s10") });
    log.append([entry(11, 4)]);
    log.close();
    const again = open();
    expect(again.snapshot().meta.index).toBe(10);
    expect(all(again)).toEqual(["11/4/normal/e11"]);
  });

  it("skips a damaged snapshot for an older good one", () => {
    const log = open();
    log.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    log.setHardState({ term: term(1), vote: null, commit: logIndex(3) });
    log.snapshotAndCompact(logIndex(1), Buffer.from("s1"));
    log.close();
    const d = join(dir, METADATA_PARTITION_DIR);
    // A newer snapshot that was torn: it must be ignored.
    writeFileSync(join(d, "00000000000000000002-0000000001.checkpoint"), readFileSync(join(d, "00000000000000000001-0000000001.checkpoint")).subarray(0, 30));
    const again = open();
    expect(again.snapshot().meta.index).toBe(1);
    expect(all(again)).toEqual(["2/1/normal/e2", "3/1/normal/e3"]);
    expect(logger.lines.some((l) => l.msg === "metadata log: skipped a damaged snapshot file")).toBe(true);
  });

  it("never crashes on garbage appended to the log", () => {
    const log = open();
    log.append([entry(1, 1)]);
    log.close();
    const file = join(dir, METADATA_PARTITION_DIR, logFileName(0));
    appendFileSync(file, Buffer.from("garbage garbage garbage garbage garbage garbage garbage garbage garbage"));
    expect(all(open())).toEqual(["1/1/normal/e1"]);
    truncateSync(file, 0);
    expect(all(open())).toEqual([]);
  });
});
