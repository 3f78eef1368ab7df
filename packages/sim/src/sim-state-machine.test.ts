import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term } from "@replog/common";
import type { Entry } from "@replog/raft";
import { SimStateMachine, chainEntry, decodeSnapshotData } from "./sim-state-machine.js";

const entry = (index: number, t: number, data: number[] = [index]): Entry => ({ index: logIndex(index), term: term(t), type: "normal", data: new Uint8Array(data) });

describe("SimStateMachine", () => {
  it("folds applied entries into a chain that depends on index, term, type and data", () => {
    const base = chainEntry(0, entry(1, 1));
    expect(chainEntry(0, entry(1, 2))).not.toBe(base);
    expect(chainEntry(0, entry(1, 1, [9]))).not.toBe(base);
    expect(chainEntry(0, { ...entry(1, 1), type: "noop" })).not.toBe(base);
    expect(chainEntry(1, entry(1, 1))).not.toBe(base);
  });

  it("applies in order only", () => {
    const m = SimStateMachine.empty();
    m.apply(entry(1, 1));
    expect(() => m.apply(entry(3, 1))).toThrow(/not in order/);
  });

  it("restores from its own snapshot to the same state", () => {
    const m = SimStateMachine.empty();
    for (let i = 1; i <= 5; i++) m.apply(entry(i, 1));
    const snapshot = { meta: { index: logIndex(5), term: term(1), voters: [nodeId(1)] }, data: m.snapshotData() };
    const restored = SimStateMachine.fromSnapshot(snapshot);
    expect(restored.appliedIndex).toBe(5);
    expect(restored.chain).toBe(m.chain);
    expect(decodeSnapshotData(snapshot.data)).toEqual({ index: 5, chain: m.chain });
    expect(() => SimStateMachine.fromSnapshot({ ...snapshot, meta: { ...snapshot.meta, index: logIndex(6) } })).toThrow(/meta says 6/);
  });
});
