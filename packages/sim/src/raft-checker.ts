// The safety checker for a simulated Raft cluster: it sees every write, every apply and, after
// every event, every node's status and disk, and throws an `InvariantViolation` the moment one of
// these properties fails (Raft paper §5.2-§5.4, Figure 3; Kafka RaftEventSimulationTest;
// chaos-and-verification.md part 2 (e)):
//
//  - election-safety: at most one leader per term, over the whole history (§5.2).
//  - election-quorum: a leader of term T holds durable votes for T from a majority of voters
//    ("a candidate wins an election if it receives votes from a majority ... for the same term", §5.2).
//  - term-monotonic / vote-stable: a node's term never goes back, in memory within a life and on
//    disk across crashes; its durable vote never changes within a term (§5.2, one vote per term).
//  - leader-append-only: a leader never truncates or overwrites its own log (§5.3).
//  - log-matching: two entries with the same index and term hold the same data and follow the
//    same previous term, so (by induction) the same prefix (§5.3).
//  - leader-completeness: a leader of term T holds every entry committed in a term below T (§5.4).
//  - leader-commit-rule: a leader moves its commit index only onto an entry of its own term (§5.4.2,
//    Figure 8); an earlier term's entries are committed only indirectly, beneath such an entry.
//  - committed-entry-changed / state-machine-safety: every committed index has one entry for all
//    nodes at all times; applied sequences and snapshots are prefixes of one history (§5.4.3).
//  - commit-beyond-durable-majority: the highest entry ever reported committed is on the
//    *durable* disk of a majority of voters, now and forever ("no lost commit").
//  - illegal-state: role and status agree (a leader names itself; observers never campaign).

import { assert, type NodeId, type Term } from "@replog/common";
import type { Entry, Snapshot } from "@replog/raft";
import { InvariantViolation } from "./invariant-violation.js";
import type { SimDisk, LogState } from "./sim-disk.js";
import { chainEntry, decodeSnapshotData } from "./sim-state-machine.js";

/** What the checker reads from a node after an event. `status` is absent while it is crashed. */
export interface NodeView {
  readonly id: NodeId;
  readonly voter: boolean;
  readonly status?: {
    readonly role: string;
    readonly term: Term;
    readonly leader: NodeId | null;
    readonly commit: number;
    readonly lastIndex: number;
  };
  readonly disk: SimDisk;
}

interface Committed {
  readonly entry: Entry;
  /** The term of the node that first reported it committed: an upper bound of its commit term. */
  readonly commitTerm: number;
}

interface NodeTrack {
  /** Within the current life: the last status term and commit index seen, and the commit before that. */
  term: number;
  commit: number;
  commitBefore: number;
  /** Across lives: the durable term and vote last seen. */
  durableTerm: number;
  durableVote: NodeId | null;
  /** While leader: the term of the stint and the log tail when last checked. */
  stint: { term: number; lastIndex: number; lastTerm: number | undefined } | null;
}

const TERM_BOUND = 2 ** 20;

export class RaftChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** term -> voter -> whom it voted for, as seen on its durable disk after each event. */
  private readonly votes = new Map<number, Map<NodeId, NodeId>>();
  private readonly committed = new Map<number, Committed>();
  private committedMax = 0;
  /** chain[i]: the state machine hash chain after applying committed entries 1..i. */
  private readonly chain: number[] = [0];
  /** Log-matching facts: (index, term) -> the entry and the term before it. */
  private readonly facts = new Map<number, { entry: Entry; previousTerm: number }>();
  private readonly tracks = new Map<NodeId, NodeTrack>();
  /** Entries first seen committed since the last `checkAfterEvent`. */
  private readonly freshCommits: Committed[] = [];
  private readonly quorum: number;

  /**
   * `ruleChecks`: also check election-quorum and leader-commit-rule, which look at how a leader
   * got elected or moved its commit, not only at the outcome. Off, only end-to-end properties
   * are checked (to see whether a bug can actually break them).
   */
  constructor(
    private readonly voters: readonly NodeId[],
    private readonly ruleChecks = true,
  ) {
    assert(voters.length > 0, "a cluster has voters");
    this.quorum = Math.floor(voters.length / 2) + 1;
  }

  get highestCommitted(): number {
    return this.committedMax;
  }

  committedEntry(index: number): Entry | undefined {
    return this.committed.get(index)?.entry;
  }

  /** A node (re)starts: forget what it held in memory, keep what it held on disk. */
  onStart(id: NodeId, commit: number, termNow: number): void {
    const t = this.track(id);
    t.term = termNow;
    t.commit = commit;
    t.commitBefore = commit;
    t.stint = null;
  }

  /** The shell wrote `entries` (after truncating `truncated` of its own) to the node's log. */
  onAppend(id: NodeId, log: Readonly<LogState>, entries: readonly Entry[], truncated: number, roleAfter: string): void {
    if (truncated > 0 && roleAfter === "leader") {
      this.fail("leader-append-only", `leader ${id} truncated ${truncated} of its own entries`);
    }
    for (const e of entries) {
      if (e.index <= log.baseIndex) continue;
      const previousTerm = log.termAt(e.index - 1);
      assert(previousTerm !== undefined, () => `entry ${e.index} written without its predecessor`);
      if (e.term < previousTerm) this.fail("log-matching", `node ${id}: entry ${e.index} has term ${e.term} below the previous entry's ${previousTerm}`);
      this.checkFact(id, e, previousTerm);
    }
  }

  /** The node applied a committed entry to its state machine. */
  onApply(id: NodeId, entry: Entry, nodeTerm: number): void {
    this.observeCommitted(id, entry, nodeTerm, "applied");
  }

  /** The node restored its state machine from a snapshot (received, or its own on restart). */
  onSnapshotRestored(id: NodeId, snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    if (index === 0) return;
    const known = this.committed.get(index);
    if (known === undefined || known.entry.term !== snapshot.meta.term) {
      this.fail("state-machine-safety", `node ${id}: snapshot at ${index} term ${snapshot.meta.term} is not of a committed entry (committed: ${describeCommitted(known)})`);
    }
    const { chain } = decodeSnapshotData(snapshot.data);
    if (chain !== this.chainAt(index)) {
      this.fail("state-machine-safety", `node ${id}: snapshot at ${index} has state ${hex(chain)}, the committed history gives ${hex(this.chainAt(index))}`);
    }
  }

  /** Run every per-event check. */
  checkAfterEvent(nodes: readonly NodeView[]): void {
    for (const node of nodes) {
      this.checkDurable(node);
      if (node.status !== undefined) this.checkLive(node, node.status);
    }
    // Leaders last, so that they are checked against every commit reported in this event.
    for (const node of nodes) {
      const t = this.track(node.id);
      if (node.status?.role === "leader") this.checkLeader(node.id, node.status.term, node.disk.volatileState, t);
      else t.stint = null;
    }
    this.checkDurableMajority(nodes);
    this.freshCommits.length = 0;
  }

  private checkLive(node: NodeView, s: NonNullable<NodeView["status"]>): void {
    const t = this.track(node.id);
    if (s.term < t.term) this.fail("term-monotonic", `node ${node.id}: term went back from ${t.term} to ${s.term}`);
    assert(s.term < TERM_BOUND, "terms stay below the checker's bound");
    t.term = s.term;
    this.checkRole(node, s);
    if (s.commit < t.commit) this.fail("commit-monotonic", `node ${node.id}: commit went back from ${t.commit} to ${s.commit}`);
    const log = node.disk.volatileState;
    for (let i = t.commit + 1; i <= s.commit; i++) {
      const e = log.entryAt(i);
      if (e !== undefined) this.observeCommitted(node.id, e, s.term, "committed");
    }
    t.commitBefore = t.commit;
    t.commit = s.commit;
  }

  private checkRole(node: NodeView, s: NonNullable<NodeView["status"]>): void {
    if (s.commit > s.lastIndex) this.fail("illegal-state", `node ${node.id}: commit ${s.commit} beyond last index ${s.lastIndex}`);
    const campaigning = s.role === "leader" || s.role === "candidate" || s.role === "pre-candidate";
    if (!node.voter && campaigning) this.fail("illegal-state", `observer ${node.id} is ${s.role}`);
    if (s.role !== "leader") return;
    if (s.leader !== node.id) this.fail("illegal-state", `leader ${node.id} names ${s.leader} as leader`);
    const other = this.leaderByTerm.get(s.term);
    if (other !== undefined && other !== node.id) {
      this.fail("election-safety", `nodes ${other} and ${node.id} both led term ${s.term}`);
    }
    this.leaderByTerm.set(s.term, node.id);
  }

  private checkLeader(id: NodeId, termNow: number, log: Readonly<LogState>, t: NodeTrack): void {
    const continuing = t.stint !== null && t.stint.term === termNow;
    if (continuing) {
      const { lastIndex, lastTerm } = t.stint!;
      if (log.lastIndex() < lastIndex || (lastIndex > log.baseIndex && log.termAt(lastIndex) !== lastTerm)) {
        this.fail("leader-append-only", `leader ${id} of term ${termNow}: entry ${lastIndex} (term ${lastTerm}) is gone or changed`);
      }
    }
    t.stint = { term: termNow, lastIndex: log.lastIndex(), lastTerm: log.termAt(log.lastIndex()) };
    if (this.ruleChecks && continuing && t.commit > t.commitBefore && log.termAt(t.commit) !== termNow) {
      this.fail("leader-commit-rule", `leader ${id} of term ${termNow} moved its commit from ${t.commitBefore} to ${t.commit}, an entry of term ${log.termAt(t.commit)}`);
    }
    if (this.ruleChecks && !continuing) this.checkElectionQuorum(id, termNow);
    // Leader completeness (§5.4): entries committed in an earlier term must be in this leader's
    // log. A new leader is checked against the highest such entry (log matching, checked on every
    // append, gives every entry before it); a continuing one against the commits of this event.
    if (continuing) {
      for (const c of this.freshCommits) if (c.commitTerm < termNow) this.checkHolds(id, termNow, log, c);
      return;
    }
    for (let i = this.committedMax; i > 0; i--) {
      const c = this.committed.get(i);
      if (c === undefined || c.commitTerm >= termNow) continue;
      this.checkHolds(id, termNow, log, c);
      return;
    }
  }

  private checkElectionQuorum(id: NodeId, termNow: number): void {
    const ballots = this.votes.get(termNow);
    let granted = 0;
    for (const v of this.voters) if (ballots?.get(v) === id) granted++;
    if (granted < this.quorum) {
      this.fail("election-quorum", `node ${id} leads term ${termNow} with durable votes from only ${granted} of ${this.voters.length} voters`);
    }
  }

  private checkHolds(id: NodeId, termNow: number, log: Readonly<LogState>, c: Committed): void {
    if (holds(log, c.entry)) return;
    const i = c.entry.index;
    this.fail("leader-completeness", `leader ${id} of term ${termNow} lacks committed entry ${describeEntry(c.entry)} (committed by term ${c.commitTerm}); it has term ${log.termAt(i) ?? "none"} there`);
  }

  private checkDurable(node: NodeView): void {
    const t = this.track(node.id);
    const hs = node.disk.durableState.hardState;
    if (hs.term < t.durableTerm) this.fail("term-monotonic", `node ${node.id}: durable term went back from ${t.durableTerm} to ${hs.term}`);
    if (hs.term === t.durableTerm && t.durableVote !== null && hs.vote !== t.durableVote) {
      this.fail("vote-stable", `node ${node.id}: durable vote in term ${hs.term} changed from ${t.durableVote} to ${hs.vote}`);
    }
    t.durableTerm = hs.term;
    t.durableVote = hs.vote;
    if (hs.vote !== null && node.voter) {
      let ballots = this.votes.get(hs.term);
      if (ballots === undefined) this.votes.set(hs.term, (ballots = new Map()));
      ballots.set(node.id, hs.vote);
    }
  }

  private checkDurableMajority(nodes: readonly NodeView[]): void {
    if (this.committedMax === 0) return;
    const c = this.committed.get(this.committedMax)!;
    let holders = 0;
    for (const node of nodes) {
      if (node.voter && holds(node.disk.durableState, c.entry)) holders++;
    }
    if (holders < this.quorum) {
      this.fail("commit-beyond-durable-majority", `entry ${describeEntry(c.entry)} was reported committed but only ${holders} of ${this.voters.length} voters hold it durably`);
    }
  }

  private observeCommitted(id: NodeId, entry: Entry, nodeTerm: number, how: string): void {
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      const c = { entry, commitTerm: nodeTerm };
      this.committed.set(entry.index, c);
      this.freshCommits.push(c);
      if (entry.index > this.committedMax) this.committedMax = entry.index;
      return;
    }
    if (!sameEntry(known.entry, entry)) {
      const invariant = how === "applied" ? "state-machine-safety" : "committed-entry-changed";
      this.fail(invariant, `node ${id} ${how} ${describeEntry(entry)} where ${describeEntry(known.entry)} was committed before`);
    }
  }

  private checkFact(id: NodeId, e: Entry, previousTerm: number): void {
    const key = e.index * TERM_BOUND + e.term;
    const fact = this.facts.get(key);
    if (fact === undefined) {
      this.facts.set(key, { entry: e, previousTerm });
      return;
    }
    if (!sameEntry(fact.entry, e) || fact.previousTerm !== previousTerm) {
      this.fail("log-matching", `node ${id}: ${describeEntry(e)} after term ${previousTerm}, elsewhere ${describeEntry(fact.entry)} after term ${fact.previousTerm}`);
    }
  }

  private chainAt(index: number): number {
    for (let i = this.chain.length; i <= index; i++) {
      const c = this.committed.get(i);
      assert(c !== undefined, () => `checker never saw committed entry ${i}, yet a snapshot covers it`);
      this.chain.push(chainEntry(this.chain[i - 1]!, c.entry));
    }
    return this.chain[index]!;
  }

  private track(id: NodeId): NodeTrack {
    let t = this.tracks.get(id);
    if (t === undefined) {
      t = { term: 0, commit: 0, commitBefore: 0, durableTerm: 0, durableVote: null, stint: null };
      this.tracks.set(id, t);
    }
    return t;
  }

  private fail(invariant: ConstructorParameters<typeof InvariantViolation>[0], detail: string): never {
    throw new InvariantViolation(invariant, detail);
  }
}

/** Does this log (or the snapshot it was compacted into) hold exactly this entry? */
function holds(log: Readonly<LogState>, entry: Entry): boolean {
  if (entry.index <= log.baseIndex) return log.snapshot.meta.index >= entry.index;
  return log.termAt(entry.index) === entry.term;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  if (a.index !== b.index || a.term !== b.term || a.type !== b.type || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** `term/index "data"` or `term/index noop`, the notation of the core's describers. */
export function describeEntry(e: Entry): string {
  return `${e.term}/${e.index} ${e.type === "noop" ? "noop" : `"${describeData(e.data)}"`}`;
}

function describeData(data: Uint8Array): string {
  let s = "";
  for (const b of data.subarray(0, 16)) s += b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
  return data.length > 16 ? `${s}…` : s;
}

function describeCommitted(c: Committed | undefined): string {
  return c === undefined ? "unknown" : describeEntry(c.entry);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
