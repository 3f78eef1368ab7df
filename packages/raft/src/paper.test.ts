// Paper tests: each `it` checks one claim of the Raft paper (Ongaro & Ousterhout, "In Search of
// an Understandable Consensus Algorithm", extended version), §5.1–§5.4, and its title starts
// with the section. Modelled on etcd-io/raft's raft_paper_test.go. Each test has three parts:
// init (a node in a stated role, term and log), act (step messages or tick), check (its state
// and the messages it would send). Paper mode: no pre-vote and no check-quorum unless stated.
import { describe, expect, it } from "vitest";
import { SeededRandom, nodeId } from "@replog/common";
import { Network } from "./test-support/network.js";
import { ackAll, drain, entries, entryAt, logTerms, makeLeader, newNode, ofType, step } from "./test-support/fixtures.js";
import { MemoryStorage } from "./storage.js";
import { RawNode } from "./raw-node.js";

describe("§5.1 Raft basics", () => {
  it("§5.1 servers start up as followers", () => {
    const h = newNode();
    expect(h.node.status()).toMatchObject({ role: "follower", term: 0, leader: null });
  });

  it.each([
    ["follower", (h: ReturnType<typeof newNode>) => void h],
    ["candidate", (h: ReturnType<typeof newNode>) => void (h.node.campaign(), drain(h))],
    ["leader", (h: ReturnType<typeof newNode>) => void makeLeader(h)],
  ])("§5.1 a %s that sees a higher term updates its term and reverts to follower", (_role, init) => {
    const h = newNode({ term: 1 });
    init(h);
    step(h, { type: "Append", from: 2, to: 1, term: 5, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0 });
    expect(h.node.status()).toMatchObject({ role: "follower", term: 5, leader: 2 });
    expect(h.storage.hardStateForTest().term).toBe(5);
  });

  it("§5.1 a server ignores a request with a stale term and does not change its log", () => {
    const h = newNode({ term: 3, log: [1] });
    const out = step(h, { type: "Append", from: 2, to: 1, term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entryAt(2, 2)], commit: 2 });
    expect(h.node.status()).toMatchObject({ term: 3, lastIndex: 1, commit: 0 });
    expect(out).toEqual([]);
  });

  it("§5.1 with pre-vote or check-quorum, a stale leader is told the newer term and steps down", () => {
    const follower = newNode({ term: 3, config: { preVote: true } });
    const [reply] = step(follower, { type: "Heartbeat", from: 2, to: 1, term: 2, commit: 0 });
    expect(reply).toMatchObject({ type: "AppendResponse", to: 2, term: 3 });
    const leader = newNode({ id: 2, term: 1 });
    makeLeader(leader, [1]);
    step(leader, { ...reply!, from: 1, to: 2 } as never);
    expect(leader.node.status()).toMatchObject({ role: "follower", term: 3 });
  });
});

describe("§5.2 Leader election", () => {
  it("§5.2 a leader sends heartbeats to all followers to maintain its authority", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    h.node.tick();
    const beats = ofType(drain(h), "Heartbeat");
    expect(beats.map((m) => [m.to, m.term])).toEqual([
      [2, 2],
      [3, 2],
    ]);
  });

  it("§5.2 a follower that hears nothing for an election timeout becomes a candidate", () => {
    const h = newNode({ term: 1 });
    const sent = [];
    for (let i = 0; i < 20; i++) {
      h.node.tick();
      sent.push(...drain(h));
    }
    expect(h.node.status()).toMatchObject({ role: "candidate", term: 2, vote: 1 });
    expect(ofType(sent, "Vote").map((m) => [m.to, m.term])).toEqual([
      [2, 2],
      [3, 2],
    ]);
  });

  it("§5.2 a candidate whose election times out starts a new election in a new term", () => {
    const h = newNode({ term: 1 });
    h.node.campaign();
    drain(h);
    expect(h.node.status().term).toBe(2);
    for (let i = 0; i < 20; i++) h.node.tick();
    const sent = drain(h);
    expect(h.node.status()).toMatchObject({ role: "candidate", term: 3 });
    expect(ofType(sent, "Vote").every((m) => m.term === 3)).toBe(true);
  });

  it.each([
    [1, {}, "leader"],
    [3, { 2: true, 3: true }, "leader"],
    [3, { 2: true }, "leader"],
    [5, { 2: true, 3: true, 4: true, 5: true }, "leader"],
    [5, { 2: true, 3: true }, "leader"],
    [3, {}, "candidate"],
    [5, { 2: true }, "candidate"],
    [3, { 2: false, 3: false }, "follower"],
    [5, { 2: true, 3: false, 4: false, 5: false }, "follower"],
  ] as const)("§5.2 with %i voters and votes %j a candidate becomes %s (wins with a majority, loses without)", (size, votes, role) => {
    const voters = Array.from({ length: size }, (_, i) => i + 1);
    const h = newNode({ voters, term: 1 });
    h.node.campaign();
    drain(h);
    for (const [from, granted] of Object.entries(votes)) {
      step(h, { type: "VoteResponse", from: Number(from), to: 1, term: 2, reject: !granted });
    }
    expect(h.node.status()).toMatchObject({ role, term: 2 });
  });

  it.each([
    [null, 2, false],
    [2, 2, false],
    [3, 2, true],
  ] as const)("§5.2 each server votes for at most one candidate per term (voted %s, asked by %i: reject=%s)", (vote, candidate, reject) => {
    const h = newNode({ term: 1, vote });
    const [resp] = step(h, { type: "Vote", from: candidate, to: 1, term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    expect(resp).toMatchObject({ type: "VoteResponse", to: candidate, reject });
    expect(h.storage.hardStateForTest().vote).toBe(vote ?? candidate);
  });

  it("§5.2 a vote is persisted (hard state, fsync) in the same Ready that carries the response", () => {
    const h = newNode({ term: 1 });
    h.node.step({ type: "Vote", from: nodeId(2), to: nodeId(1), term: 2, lastLogIndex: 0, lastLogTerm: 0 } as never);
    const rd = h.node.ready();
    expect(rd.hardState).toMatchObject({ term: 2, vote: 2 });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toMatchObject([{ type: "VoteResponse", reject: false }]);
  });

  it.each(["Append", "Heartbeat"] as const)("§5.2 a candidate that receives %s from a leader of its term returns to follower", (type) => {
    const h = newNode({ term: 1 });
    h.node.campaign();
    drain(h);
    const m =
      type === "Append"
        ? ({ type, from: 3, to: 1, term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0 } as const)
        : ({ type, from: 3, to: 1, term: 2, commit: 0 } as const);
    step(h, m);
    expect(h.node.status()).toMatchObject({ role: "follower", term: 2, leader: 3 });
  });

  it("§5.2 (Figure 2) only the leader or a granted vote restarts the timer: a rejected stale candidate cannot hold an up-to-date follower back", () => {
    const h = newNode({ term: 1, log: [1, 1] });
    let candidateTerm = 1;
    let ticks = 0;
    // A candidate with an empty log asks every 5 ticks, each time in a higher term; it is refused each time.
    while (h.node.status().role === "follower" && ticks < 100) {
      if (ticks % 5 === 0) {
        candidateTerm = h.node.status().term + 1;
        const [resp] = step(h, { type: "Vote", from: 2, to: 1, term: candidateTerm, lastLogIndex: 0, lastLogTerm: 0 });
        expect(resp).toMatchObject({ type: "VoteResponse", reject: true });
      }
      h.node.tick();
      ticks++;
    }
    expect(h.node.status().role).toBe("candidate");
    expect(ticks).toBeLessThan(20);
  });

  it("§5.2 a candidate that receives Append from a leader of an older term rejects it and stays a candidate", () => {
    const h = newNode({ term: 1, config: { preVote: true } });
    h.node.campaign();
    drain(h);
    step(h, { type: "PreVoteResponse", from: 2, to: 1, term: 2, reject: false }); // Now a candidate in term 2.
    const out = step(h, { type: "Append", from: 3, to: 1, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0 });
    expect(h.node.status()).toMatchObject({ role: "candidate", term: 2 });
    expect(out).toMatchObject([{ type: "AppendResponse", to: 3, term: 2 }]);
  });

  it("§5.2 election timeouts are chosen randomly from a fixed interval [T, 2T)", () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 300; seed++) {
      const h = newNode({ term: 1, seed });
      let ticks = 0;
      while (h.node.status().role === "follower") {
        h.node.tick();
        ticks++;
      }
      seen.add(ticks);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it("§5.2 randomized timeouts spread out: in most rounds a single server times out first", () => {
    const random = new SeededRandom(42);
    let conflicts = 0;
    const rounds = 500;
    for (let round = 0; round < rounds; round++) {
      const timeouts = [1, 2, 3, 4, 5].map((id) => {
        const storage = new MemoryStorage([1, 2, 3, 4, 5].map(nodeId));
        const node = new RawNode({ id: nodeId(id), voters: [1, 2, 3, 4, 5].map(nodeId), electionTick: 10, heartbeatTick: 1, random: random.fork(), preVote: false }, storage);
        let ticks = 0;
        while (node.status().role === "follower") {
          node.tick();
          ticks++;
        }
        return ticks;
      });
      const first = Math.min(...timeouts);
      if (timeouts.filter((t) => t === first).length > 1) conflicts++;
    }
    expect(conflicts / rounds).toBeLessThan(0.4);
  });
});

describe("§5.3 Log replication", () => {
  it("§5.3 the leader appends a proposal to its log and issues Append to every follower", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    ackAll(h, [2, 3]);
    const r = h.node.propose(new TextEncoder().encode("x"));
    expect(r).toMatchObject({ ok: true, index: 2, term: 2 });
    const rd = h.node.ready();
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[2, 2]]);
    const appends = ofType(rd.messages, "Append");
    expect(appends.map((m) => [m.to, m.prevLogIndex, m.prevLogTerm, m.entries.map((e) => e.index)])).toEqual([
      [2, 1, 2, [2]],
      [3, 1, 2, [2]],
    ]);
  });

  it("§5.3 an entry is committed once the leader has replicated it on a majority, and is then applied", () => {
    const h = newNode({ voters: [1, 2, 3, 4, 5], term: 1 });
    makeLeader(h, [2, 3]);
    ackAll(h, [2, 3, 4, 5]);
    h.node.propose(new TextEncoder().encode("x"));
    drain(h);
    step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 2, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(1);
    const out = step(h, { type: "AppendResponse", from: 3, to: 1, term: 2, index: 2, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(2);
    expect(h.applied.map((e) => e.index)).toEqual([1, 2]);
    // The leader tells the followers the new commit index in its next Appends.
    expect(ofType(out, "Append").every((m) => m.commit === 2)).toBe(true);
  });

  it("§5.3 committing an entry also commits all preceding entries, including earlier terms", () => {
    const h = newNode({ term: 1, log: [1, 1] });
    makeLeader(h);
    step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 3, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(3);
    expect(h.applied.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
  });

  it("§5.3 the leader retries Append indefinitely until the follower stores the entry", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.drop("Append");
    net.propose(1, "x");
    net.tickAll(5);
    net.recover();
    net.tickAll(1);
    for (const id of [2, 3]) expect(net.get(id).node.status().lastIndex).toBe(2);
  });

  it("§5.3 a leader never overwrites or deletes entries in its own log (Leader Append-Only)", () => {
    const h = newNode({ term: 1, log: [1, 1] });
    makeLeader(h);
    const before = logTerms(h.storage);
    step(h, { type: "Append", from: 2, to: 1, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [entryAt(1, 1), entryAt(2, 1)], commit: 0 });
    step(h, { type: "Snapshot", from: 2, to: 1, term: 1, snapshot: { meta: { index: 9 as never, term: 1 as never, voters: [1, 2, 3].map(nodeId) }, data: new Uint8Array() } });
    expect(logTerms(h.storage)).toEqual(before);
    expect(h.node.status().role).toBe("leader");
  });

  it("§5.5 Append is idempotent: a duplicate leaves the follower's log unchanged", () => {
    const h = newNode({ term: 2 });
    const m = { type: "Append", from: 2, to: 1, term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [entryAt(1, 2), entryAt(2, 2)], commit: 1 } as const;
    expect(step(h, m)).toMatchObject([{ type: "AppendResponse", reject: false, index: 2 }]);
    // The duplicate is acknowledged again (at the commit, which any leader of the term holds).
    expect(step(h, m)).toMatchObject([{ type: "AppendResponse", reject: false }]);
    expect(logTerms(h.storage)).toEqual([2, 2]);
    expect(h.applied.map((e) => e.index)).toEqual([1]);
  });

  it.each([
    [1, [entryAt(1, 1)], 1],
    [2, [entryAt(1, 1), entryAt(2, 1)], 2],
    [1, [entryAt(1, 1), entryAt(2, 1)], 1],
  ])("§5.3 a follower applies entries up to the leader's commit index %i", (commit, ents, applied) => {
    const h = newNode({ term: 1 });
    step(h, { type: "Append", from: 2, to: 1, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: ents, commit });
    expect(h.node.status().commit).toBe(commit);
    expect(h.applied).toHaveLength(applied);
  });

  it.each([
    { prev: [0, 0], expect: { reject: false, index: 1 }, why: "below commit: matches" },
    { prev: [1, 1], expect: { reject: false, index: 1 }, why: "matches" },
    { prev: [2, 2], expect: { reject: false, index: 2 }, why: "matches at the end" },
    { prev: [2, 3], expect: { reject: true, index: 2, rejectHint: 2, hintTerm: 2 }, why: "term differs" },
    { prev: [3, 3], expect: { reject: true, index: 3, rejectHint: 2, hintTerm: 2 }, why: "beyond the log" },
  ])("§5.3 a follower refuses an Append whose prevLogIndex/prevLogTerm it lacks ($why)", ({ prev, expect: want }) => {
    const h = newNode({ term: 3, log: [1, 2], commit: 1 });
    const [resp] = step(h, { type: "Append", from: 2, to: 1, term: 3, prevLogIndex: prev[0]!, prevLogTerm: prev[1]!, entries: [], commit: 1 });
    expect(resp).toMatchObject({ type: "AppendResponse", ...want });
  });

  it.each([
    { prev: [2, 2], ents: [entryAt(3, 3)], log: [1, 2, 3] },
    { prev: [1, 1], ents: [entryAt(2, 3), entryAt(3, 4)], log: [1, 3, 4] },
    { prev: [0, 0], ents: [entryAt(1, 1)], log: [1, 2] },
    { prev: [0, 0], ents: [entryAt(1, 3)], log: [3] },
  ])("§5.3 a follower deletes a conflicting entry and all after it, then appends new entries (prev $prev)", ({ prev, ents, log }) => {
    const h = newNode({ term: 4, log: [1, 2] });
    step(h, { type: "Append", from: 2, to: 1, term: 4, prevLogIndex: prev[0]!, prevLogTerm: prev[1]!, entries: ents, commit: 0 });
    expect(logTerms(h.storage)).toEqual(log);
  });

  // Figure 7: the leader (term 8) and six possible follower logs. Each must end up equal to the
  // leader's log, whether it is missing entries (a, b), has extra uncommitted ones (c, d), or both (e, f).
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  it.each([
    ["a", [1, 1, 1, 4, 4, 5, 5, 6, 6]],
    ["b", [1, 1, 1, 4]],
    ["c", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]],
    ["d", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]],
    ["e", [1, 1, 1, 4, 4, 4, 4]],
    ["f", [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]],
  ])("§5.3 Figure 7 (%s): the leader forces the follower's log to duplicate its own", (_name, followerLog) => {
    const storages = new Map<number, MemoryStorage>();
    const voters = [1, 2, 3].map(nodeId);
    const fill = (id: number, log: number[], t: number) => {
      const s = new MemoryStorage(voters);
      s.append(entries(...log));
      s.setHardState({ term: t as never, vote: null, commit: 0 as never });
      storages.set(id, s);
    };
    fill(1, leaderLog, 7);
    fill(2, followerLog, Math.max(...followerLog));
    fill(3, [], 0); // A third voter with an empty log gives the leader its majority even against (d).
    const net = new Network({ voters: [1, 2, 3], storages, config: { preVote: false, checkQuorum: false } });
    net.elect(1);
    expect(net.get(1).node.status()).toMatchObject({ role: "leader", term: 8 });
    expect(logTerms(net.get(2).storage)).toEqual([...leaderLog, 8]);
    expect(net.get(2).node.status().commit).toBe(11);
  });
});

describe("§5.4 Safety", () => {
  it("§5.4.1 a candidate's Vote carries the index and term of its last log entry", () => {
    const h = newNode({ term: 2, log: [1, 1, 2] });
    h.node.campaign();
    const votes = ofType(drain(h), "Vote");
    expect(votes.map((m) => [m.to, m.term, m.lastLogIndex, m.lastLogTerm])).toEqual([
      [2, 3, 3, 2],
      [3, 3, 3, 2],
    ]);
  });

  it.each([
    { log: [1], last: [1, 1], reject: false, why: "same last term and length" },
    { log: [1], last: [2, 1], reject: false, why: "same last term, longer" },
    { log: [1, 1], last: [1, 1], reject: true, why: "same last term, shorter" },
    { log: [1], last: [1, 2], reject: false, why: "later last term" },
    { log: [1, 1], last: [1, 2], reject: false, why: "later last term though shorter" },
    { log: [2], last: [2, 1], reject: true, why: "earlier last term though longer" },
  ])("§5.4.1 a voter denies its vote to a candidate whose log is less up to date ($why)", ({ log, last, reject }) => {
    const h = newNode({ term: 2, log });
    const [resp] = step(h, { type: "Vote", from: 2, to: 1, term: 3, lastLogIndex: last[0]!, lastLogTerm: last[1]! });
    expect(resp).toMatchObject({ type: "VoteResponse", reject });
  });

  it("§5.4.2 a leader never commits an entry from a previous term by counting replicas", () => {
    const h = newNode({ term: 1, log: [1, 1] });
    makeLeader(h); // Term 2; the noop is index 3.
    for (const from of [2, 3]) step(h, { type: "AppendResponse", from, to: 1, term: 2, index: 2, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(0);
    step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 3, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(3);
  });

  describe("§5.4.2 Figure 8", () => {
    // Five servers. After Figure 8 (a)-(c): S1 (term 2 entry at index 2) leads again in term 4 and
    // has copied that entry to S2 and S3, a majority. S5 holds a term-3 entry at index 2.
    function figure8(bugs: { commitPreviousTermByCounting?: boolean } = {}) {
      const voters = [1, 2, 3, 4, 5].map(nodeId);
      const logs: Record<number, number[]> = { 1: [1, 2], 2: [1, 2], 3: [1], 4: [1], 5: [1, 3] };
      const storages = new Map<number, MemoryStorage>();
      for (const [id, log] of Object.entries(logs)) {
        const s = new MemoryStorage(voters);
        s.append(entries(...log));
        s.setHardState({ term: 3 as never, vote: null, commit: 1 as never });
        storages.set(Number(id), s);
      }
      const net = new Network({
        voters: [1, 2, 3, 4, 5],
        storages,
        config: { preVote: false, checkQuorum: false, maxEntriesPerMsg: 1, plantedBugs: bugs },
      });
      // (c) S1 is elected in term 4 (S5 refuses: its log is more up to date) but its own term-4
      // noop never leaves it (as if it stopped before sending it); only the old term-2 entry reaches S3.
      net.rewrite((m) => (m.type === "Append" ? { ...m, entries: m.entries.filter((e) => e.term !== 4) } : m));
      net.isolate(5); // S5 is down during (c).
      net.elect(1);
      expect(net.get(1).node.status()).toMatchObject({ role: "leader", term: 4 });
      expect(logTerms(net.get(3).storage)).toEqual([1, 2]);
      return net;
    }

    it("§5.4.2 Figure 8 (c): an old-term entry stored on a majority is still not committed", () => {
      const net = figure8();
      expect(net.get(1).node.status().commit).toBe(1);
    });

    it("§5.4.2 Figure 8 (d): so S5 may be elected and overwrite it, and no server ever applied it", () => {
      const net = figure8();
      net.recover();
      net.isolate(1); // (d) S1 goes down and S5 comes back.
      net.elect(5); // Term 4: everyone already voted in term 4.
      net.elect(5); // Term 5: S2, S3, S4 grant, since S5's last term 3 beats their 2 and 1.
      expect(net.get(5).node.status()).toMatchObject({ role: "leader", term: 5 });
      for (const id of [2, 3, 4, 5]) expect(logTerms(net.get(id).storage)).toEqual([1, 3, 5]);
      const appliedAt2 = [...net.nodes.values()].flatMap((t) => t.applied.filter((e) => e.index === 2).map((e) => e.term));
      expect(new Set(appliedAt2)).toEqual(new Set([3]));
    });

    it("§5.4.2 Figure 8 (e): once an entry of the leader's own term is on a majority, S5 can no longer win", () => {
      const net = figure8();
      net.recover();
      net.isolate(5);
      net.tickAll(); // A heartbeat round gets the noop out now that nothing filters it.
      expect(net.get(1).node.status().commit).toBe(3);
      net.recover();
      net.isolate(1);
      for (let i = 0; i < 5; i++) net.elect(5);
      expect(net.get(5).node.status().role).not.toBe("leader");
    });

    it("§5.4.2 Figure 8 with the planted bug: committing the old entry by counting lets S5 lead without it", () => {
      const net = figure8({ commitPreviousTermByCounting: true });
      expect(net.get(1).node.status().commit).toBe(2);
      expect(net.get(1).applied.find((e) => e.index === 2)?.term).toBe(2);
      net.recover();
      net.isolate(1);
      // Only the election matters here; S2 and S3 would (rightly) refuse to overwrite what they committed.
      net.drop("Append", "Heartbeat");
      net.elect(5);
      net.elect(5);
      // Leader Completeness (§5.4) is broken: a leader whose log lacks an applied entry.
      expect(net.get(5).node.status()).toMatchObject({ role: "leader", term: 5 });
      expect(logTerms(net.get(5).storage).slice(0, 2)).toEqual([1, 3]);
    });
  });
});
