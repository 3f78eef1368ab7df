// The checker must be able to fail: each test builds a small cluster state by hand that breaks
// one property, and expects that property's violation.
import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term, type NodeId } from "@replog/common";
import { RaftChecker, type NodeView } from "./raft-checker.js";
import { InvariantViolation } from "./invariant-violation.js";
import { SimDisk } from "./sim-disk.js";
import { SimStateMachine } from "./sim-state-machine.js";
import type { Entry } from "@replog/raft";

const ids: NodeId[] = [1, 2, 3].map(nodeId);
const entry = (index: number, t: number, data = index): Entry => ({ index: logIndex(index), term: term(t), type: "normal", data: new Uint8Array([data]) });

interface Fake {
  disk: SimDisk;
  role: string;
  term: number;
  commit: number;
  up: boolean;
}

function cluster() {
  const checker = new RaftChecker(ids);
  const nodes: Fake[] = ids.map(() => ({ disk: new SimDisk(ids), role: "follower", term: 1, commit: 0, up: true }));
  const views = (): NodeView[] =>
    nodes.map((n, i) => ({
      id: ids[i]!,
      voter: true,
      disk: n.disk,
      ...(n.up ? { status: { role: n.role, term: term(n.term), leader: n.role === "leader" ? ids[i]! : null, commit: n.commit, lastIndex: n.disk.lastIndex() } } : {}),
    }));
  /** Writes entries as the shell would: append, tell the checker, fsync. */
  const append = (i: number, es: Entry[], sync = true) => {
    const n = nodes[i]!;
    const truncated = n.disk.write({ kind: "append", entries: es });
    checker.onAppend(ids[i]!, n.disk.volatileState, es, truncated, n.role);
    if (sync) n.disk.sync();
  };
  const check = () => checker.checkAfterEvent(views());
  /** Node i wins its current term with durable votes from itself and the next node. */
  const elect = (i: number) => {
    const n = nodes[i]!;
    for (const j of [i, (i + 1) % 3]) {
      nodes[j]!.disk.write({ kind: "hard-state", hardState: { term: term(n.term), vote: ids[i]!, commit: logIndex(0) } });
      nodes[j]!.disk.sync();
    }
    n.role = "leader";
  };
  return { checker, nodes, append, check, elect };
}

function violation(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvariantViolation) return e.invariant;
    throw e;
  }
  return "none";
}

describe("RaftChecker", () => {
  it("accepts a healthy history", () => {
    const c = cluster();
    c.elect(0);
    for (const i of [0, 1, 2]) c.append(i, [entry(1, 1), entry(2, 1)]);
    c.nodes[0]!.commit = 2;
    c.nodes[1]!.commit = 1;
    expect(violation(c.check)).toBe("none");
    expect(c.checker.highestCommitted).toBe(2);
  });

  it("election-safety: two leaders in one term, even at different times", () => {
    const c = cluster();
    c.elect(0);
    c.check();
    c.nodes[0]!.role = "follower";
    c.check();
    c.nodes[2]!.role = "leader";
    expect(violation(c.check)).toBe("election-safety");
  });

  it("term-monotonic: a node's term goes back", () => {
    const c = cluster();
    c.nodes[1]!.term = 5;
    c.check();
    c.nodes[1]!.term = 4;
    expect(violation(c.check)).toBe("term-monotonic");
  });

  it("vote-stable: a durable vote changes within a term", () => {
    const c = cluster();
    const d = c.nodes[1]!.disk;
    d.write({ kind: "hard-state", hardState: { term: term(3), vote: nodeId(1), commit: logIndex(0) } });
    d.sync();
    c.check();
    d.write({ kind: "hard-state", hardState: { term: term(3), vote: nodeId(3), commit: logIndex(0) } });
    d.sync();
    expect(violation(c.check)).toBe("vote-stable");
  });

  it("leader-append-only: a leader truncates its own log", () => {
    const c = cluster();
    c.nodes[0]!.role = "leader";
    c.append(0, [entry(1, 1), entry(2, 1)]);
    expect(violation(() => c.append(0, [entry(2, 1, 9)]))).toBe("leader-append-only");
  });

  it("log-matching: the same index and term with different data", () => {
    const c = cluster();
    c.append(0, [entry(1, 1, 7)]);
    expect(violation(() => c.append(1, [entry(1, 1, 8)]))).toBe("log-matching");
  });

  it("log-matching: the same index and term after different previous terms", () => {
    const c = cluster();
    c.append(0, [entry(1, 1), entry(2, 2)]);
    // Same (2, t2) entry, but node 1 has term 2 before it where node 0 has term 1.
    expect(violation(() => c.append(1, [entry(1, 2), entry(2, 2)]))).toBe("log-matching");
  });

  it("commit-beyond-durable-majority: commit counted an entry only one voter fsynced", () => {
    const c = cluster();
    c.elect(0);
    c.append(0, [entry(1, 1)]);
    c.append(1, [entry(1, 1)], false);
    c.nodes[0]!.commit = 1;
    expect(violation(c.check)).toBe("commit-beyond-durable-majority");
  });

  it("commit-beyond-durable-majority: a committed entry later vanishes from a majority's disks", () => {
    const c = cluster();
    c.elect(0);
    for (const i of [0, 1]) c.append(i, [entry(1, 1)]);
    c.nodes[0]!.commit = 1;
    c.check();
    c.nodes[1]!.disk.write({ kind: "append", entries: [entry(1, 2)] });
    c.nodes[1]!.disk.sync();
    expect(violation(c.check)).toBe("commit-beyond-durable-majority");
  });

  it("committed-entry-changed: two nodes report different committed entries at one index", () => {
    const c = cluster();
    c.append(0, [entry(1, 1)]);
    c.append(1, [entry(1, 1)]);
    c.append(2, [entry(1, 2, 5)]);
    c.nodes[0]!.commit = 1;
    c.check();
    c.nodes[2]!.commit = 1;
    expect(violation(c.check)).toBe("committed-entry-changed");
  });

  it("leader-completeness: a later leader lacks an entry committed in an earlier term", () => {
    const c = cluster();
    c.elect(0);
    c.append(0, [entry(1, 1)]);
    c.append(1, [entry(1, 1)]);
    c.nodes[0]!.commit = 1;
    c.check();
    c.nodes[0]!.role = "follower";
    c.nodes[2]!.term = 2;
    c.elect(2);
    expect(violation(c.check)).toBe("leader-completeness");
  });

  it("election-quorum: a leader without durable votes from a majority", () => {
    const c = cluster();
    c.nodes[1]!.disk.write({ kind: "hard-state", hardState: { term: term(1), vote: ids[1]!, commit: logIndex(0) } });
    c.nodes[1]!.disk.sync();
    c.check();
    c.nodes[1]!.role = "leader";
    expect(violation(c.check)).toBe("election-quorum");
  });

  it("leader-commit-rule: a leader commits an entry of an earlier term by counting", () => {
    const c = cluster();
    for (const i of [0, 1]) c.append(i, [entry(1, 1)]);
    c.nodes[0]!.term = 2;
    c.elect(0);
    c.check();
    c.append(0, [entry(2, 2)]);
    c.nodes[0]!.commit = 1;
    expect(violation(c.check)).toBe("leader-commit-rule");
  });

  it("state-machine-safety: a node applies something else at a committed index", () => {
    const c = cluster();
    c.checker.onApply(ids[0]!, entry(1, 1), 1);
    expect(violation(() => c.checker.onApply(ids[1]!, entry(1, 1, 42), 1))).toBe("state-machine-safety");
  });

  it("state-machine-safety: a snapshot whose state is not the committed history", () => {
    const c = cluster();
    const good = SimStateMachine.empty();
    for (const e of [entry(1, 1), entry(2, 1)]) {
      c.checker.onApply(ids[0]!, e, 1);
      good.apply(e);
    }
    const meta = { index: logIndex(2), term: term(1), voters: ids };
    expect(violation(() => c.checker.onSnapshotRestored(ids[1]!, { meta, data: good.snapshotData() }))).toBe("none");
    const bad = SimStateMachine.empty();
    bad.apply(entry(1, 1));
    bad.apply(entry(2, 1, 77));
    expect(violation(() => c.checker.onSnapshotRestored(ids[1]!, { meta, data: bad.snapshotData() }))).toBe("state-machine-safety");
  });

  it("illegal-state: an observer campaigns", () => {
    const checker = new RaftChecker(ids);
    const disk = new SimDisk(ids);
    const view: NodeView = { id: nodeId(4), voter: false, disk, status: { role: "candidate", term: term(2), leader: null, commit: 0, lastIndex: 0 } };
    expect(violation(() => checker.checkAfterEvent([view]))).toBe("illegal-state");
  });
});
