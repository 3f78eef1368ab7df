// MemoryStorage: the write side the shell uses after each Ready, and the read side the core uses.
import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term } from "@replog/common";
import { MemoryStorage } from "./storage.js";
import { entries, entryAt, logTerms } from "./test-support/fixtures.js";

const voters = [1, 2, 3].map(nodeId);

describe("MemoryStorage", () => {
  it("append truncates a conflicting suffix before appending (Raft §5.3)", () => {
    const s = new MemoryStorage(voters);
    s.append(entries(1, 1, 2, 2));
    s.append([entryAt(3, 3)]);
    expect(logTerms(s)).toEqual([1, 1, 3]);
    expect(s.lastIndex()).toBe(3);
  });

  it("createSnapshot keeps entries until compact drops them; term() answers at the compaction point", () => {
    const s = new MemoryStorage(voters);
    s.append(entries(1, 1, 2, 2));
    s.setHardState({ term: term(2), vote: null, commit: logIndex(3) });
    const snap = s.createSnapshot(logIndex(3), new Uint8Array([9]));
    expect(snap.meta).toEqual({ index: 3, term: 2, voters });
    expect(s.firstIndex()).toBe(1);
    s.compact(logIndex(3));
    expect(s.firstIndex()).toBe(4);
    expect(s.term(logIndex(3))).toBe(2);
    expect(logTerms(s)).toEqual([2]);
    expect(() => s.entries(logIndex(2), logIndex(4))).toThrow(/compacted/);
  });

  it("refuses to snapshot beyond the commit or compact beyond the snapshot", () => {
    const s = new MemoryStorage(voters);
    s.append(entries(1, 1));
    s.setHardState({ term: term(1), vote: null, commit: logIndex(1) });
    expect(() => s.createSnapshot(logIndex(2), new Uint8Array())).toThrow(/above commit/);
    expect(() => s.compact(logIndex(1))).toThrow(/beyond snapshot/);
  });

  it("applySnapshot replaces the whole log; an older snapshot is ignored", () => {
    const s = new MemoryStorage(voters);
    s.append(entries(1, 1, 1));
    s.applySnapshot({ meta: { index: logIndex(5), term: term(2), voters }, data: new Uint8Array() });
    expect([s.firstIndex(), s.lastIndex(), s.term(logIndex(5))]).toEqual([6, 5, 2]);
    s.applySnapshot({ meta: { index: logIndex(4), term: term(2), voters }, data: new Uint8Array() });
    expect(s.snapshot().meta.index).toBe(5);
    s.append([entryAt(6, 2), entryAt(7, 2)]);
    expect(s.lastIndex()).toBe(7);
  });

  it("append of entries already covered by the snapshot keeps only the newer ones", () => {
    const s = new MemoryStorage(voters);
    s.applySnapshot({ meta: { index: logIndex(2), term: term(1), voters }, data: new Uint8Array() });
    s.append([entryAt(2, 1), entryAt(3, 1)]);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([3, 3]);
  });
});
