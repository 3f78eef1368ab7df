import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term, type NodeId } from "@replog/common";
import { SimDisk } from "./sim-disk.js";
import type { Entry } from "@replog/raft";

const voters: NodeId[] = [nodeId(1), nodeId(2), nodeId(3)];
const entry = (index: number, t: number): Entry => ({ index: logIndex(index), term: term(t), type: "normal", data: new Uint8Array([index]) });
const entries = (from: number, to: number, t: number) => Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, t));

describe("SimDisk", () => {
  it("reads what was written at once, before any fsync", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "append", entries: entries(1, 3, 1) });
    expect(d.lastIndex()).toBe(3);
    expect(d.entries(logIndex(2), logIndex(4)).map((e) => e.index)).toEqual([2, 3]);
    expect(d.term(logIndex(0))).toBe(0);
    expect(d.durableState.lastIndex()).toBe(0);
  });

  it("a crash keeps exactly the synced state when no unsynced write survives", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "append", entries: entries(1, 3, 1) });
    d.write({ kind: "hard-state", hardState: { term: term(1), vote: nodeId(1), commit: logIndex(0) } });
    d.sync();
    d.write({ kind: "append", entries: entries(4, 6, 1) });
    d.write({ kind: "hard-state", hardState: { term: term(2), vote: nodeId(2), commit: logIndex(3) } });
    const report = d.crash(0, -1);
    expect(report).toEqual({ unsyncedWrites: 2, keptWrites: 0, tornEntriesKept: -1 });
    expect(d.lastIndex()).toBe(3);
    expect(d.initialState().hardState).toEqual({ term: 1, vote: 1, commit: 0 });
  });

  it("a crash may keep a prefix of the unsynced writes, and tear the next append", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "hard-state", hardState: { term: term(2), vote: null, commit: logIndex(0) } });
    d.write({ kind: "append", entries: entries(1, 5, 2) });
    d.write({ kind: "hard-state", hardState: { term: term(2), vote: null, commit: logIndex(5) } });
    const report = d.crash(1, 2);
    expect(report.tornEntriesKept).toBe(2);
    expect(d.lastIndex()).toBe(2);
    expect(d.initialState().hardState.term).toBe(2);
    expect(d.initialState().hardState.commit).toBe(0);
  });

  it("an append truncates the conflicting suffix and reports how much", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "append", entries: entries(1, 5, 1) });
    expect(d.write({ kind: "append", entries: entries(3, 4, 2) })).toBe(3);
    expect(d.lastIndex()).toBe(4);
    expect(d.term(logIndex(2))).toBe(1);
    expect(d.term(logIndex(3))).toBe(2);
    expect(() => d.write({ kind: "append", entries: entries(7, 7, 2) })).toThrow(/gap/);
  });

  it("own snapshots and compaction keep the compaction point's term; received snapshots replace the log", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "append", entries: entries(1, 10, 1) });
    const snap = { meta: { index: logIndex(8), term: term(1), voters }, data: new Uint8Array(8) };
    d.write({ kind: "own-snapshot", snapshot: snap });
    d.write({ kind: "compact", index: logIndex(6) });
    expect(d.firstIndex()).toBe(7);
    expect(d.term(logIndex(6))).toBe(1);
    expect(d.snapshot().meta.index).toBe(8);
    expect(() => d.entries(logIndex(6), logIndex(8))).toThrow(/compacted/);
    expect(() => d.write({ kind: "compact", index: logIndex(9) })).toThrow(/beyond the snapshot/);
    d.write({ kind: "snapshot", snapshot: { meta: { index: logIndex(20), term: term(3), voters }, data: new Uint8Array(8) } });
    expect(d.firstIndex()).toBe(21);
    expect(d.lastIndex()).toBe(20);
    expect(d.term(logIndex(20))).toBe(3);
  });

  it("entries at or below the compaction point are skipped on append", () => {
    const d = new SimDisk(voters);
    d.write({ kind: "snapshot", snapshot: { meta: { index: logIndex(5), term: term(2), voters }, data: new Uint8Array(8) } });
    expect(d.write({ kind: "append", entries: entries(4, 7, 2) })).toBe(0);
    expect(d.firstIndex()).toBe(6);
    expect(d.lastIndex()).toBe(7);
  });
});
