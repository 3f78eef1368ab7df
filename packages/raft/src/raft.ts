// The Raft protocol: roles, transitions and per-role message handling (etcd's raft.go).
// Called only by RawNode, on the shell's single loop. Everything here is synchronous and
// deterministic: time is `tick()`, randomness is the injected Random, output is `msgs`.
//
// Roles and transitions (voters):
//
//                 election timeout                 pre-vote quorum
//   +----------+ ---------------> +---------------+ --------------> +-----------+
//   | follower |                  | pre-candidate |                 | candidate | --+ timeout:
//   +----------+ <--------------- +---------------+                 +-----------+ <-+ new term
//      ^  ^  ^    pre-vote lost, or hears a leader                     |     |
//      |  |  +-------------------------------------------------------+     | vote quorum
//      |  |      vote lost, or hears a leader of its term                   v
//      |  |                                                           +--------+
//      |  +---------- higher term, or check-quorum fails ------------ | leader |
//      |                                                              +--------+
//      +-- TimeoutNow makes a follower a candidate directly (leadership transfer)
//
// Observers have one role, "observer": they never vote or campaign and pull the log with Fetch.
import { assert, logIndex, term as toTerm, type LogIndex, type NodeId, type Term } from "@replog/common";
import type { ResolvedConfig } from "./config.js";
import { describeMessage } from "./describe.js";
import { RaftLog } from "./log.js";
import type {
  AppendRequest,
  AppendResponse,
  Entry,
  EntryType,
  FetchRequest,
  FetchResponse,
  Heartbeat,
  HeartbeatResponse,
  Message,
  Role,
  Snapshot,
  SnapshotMessage,
  VoteRequest,
} from "./messages.js";
import { validateMessage } from "./messages.js";
import { committedIndex, voteResult } from "./quorum/index.js";
import type { RaftStorage } from "./storage.js";
import { Progress } from "./tracker/index.js";

type CampaignKind = "pre-election" | "election" | "transfer";
type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, "from"> : never) : never;

export type ProposeResult =
  | { ok: true; index: LogIndex; term: Term }
  | { ok: false; reason: "not-leader" | "transferring" | "too-many-pending"; leader: NodeId | null };

const EMPTY = new Uint8Array(0);

export class Raft {
  readonly id: NodeId;
  /** The static voter set, sorted so that every iteration order is deterministic. */
  readonly voters: readonly NodeId[];
  readonly log: RaftLog;
  readonly cfg: ResolvedConfig;

  term: Term = toTerm(0);
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  role: Role = "follower";
  /** Messages produced since the last Ready. */
  msgs: Message[] = [];

  /** Leader only: replication progress of every voter, this node included. */
  progress = new Map<NodeId, Progress>();
  /** Leader only: last fetch position of each observer that fetched from us (for status). */
  observers = new Map<NodeId, LogIndex>();
  /** Candidates only: votes received in this (pre-)election. */
  votes = new Map<NodeId, boolean>();
  /** Leader only: the voter we are handing leadership to, if any. */
  leadTransferee: NodeId | null = null;

  /** Ticks since the last reset; for followers since the leader was last heard (Raft §5.2). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** Raft §5.2: randomized in [electionTick, 2 * electionTick) on every role change to split votes rarely. */
  randomizedElectionTimeout = 0;

  /** Observer only: the last index we hold that we believe matches the leader. Invariant: fetchIndex <= lastIndex. */
  fetchIndex: LogIndex = logIndex(0);
  fetchOutstanding = false;
  fetchElapsed = 0;

  constructor(cfg: ResolvedConfig, storage: RaftStorage, fallbackVoters: readonly NodeId[]) {
    this.cfg = cfg;
    this.id = cfg.id;
    const { hardState, voters } = storage.initialState();
    const chosen = voters.length > 0 ? voters : fallbackVoters;
    this.voters = [...new Set(chosen)].sort((a, b) => a - b);
    assert(this.voters.length > 0, "a Raft group needs at least one voter");
    assert(cfg.observer !== this.voters.includes(cfg.id), () => `node ${cfg.id} is ${cfg.observer ? "an observer listed among" : "a voter missing from"} voters ${this.voters.join(",")}`);
    this.log = new RaftLog(storage, hardState.commit, cfg.applied);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.adoptLogTerm();
    if (this.log.clampedCommit !== undefined) {
      this.logger.warn({ storedCommit: this.log.clampedCommit, lastIndex: this.log.lastIndex() }, "stored commit index beyond the stored log (torn write); lowering it");
    }
    if (cfg.observer) this.becomeObserver(this.term, null);
    else this.becomeFollower(this.term, null);
  }

  get logger() {
    return this.cfg.logger;
  }

  /**
   * A node accepts entries of a term only after adopting that term, and both reach disk in one
   * Ready. A crash in the middle of that write can keep the entries and lose the hard state; then
   * the log's last term is above the stored term. Nothing from the lost write was sent (messages
   * go out only after the write completes), so adopting the log's term with no vote is exactly
   * the state the node had promised nothing about. Without this, its vote requests would carry a
   * last term not below their own and be refused as malformed.
   */
  private adoptLogTerm(): void {
    const lastTerm = this.log.lastTerm();
    if (lastTerm <= this.term) return;
    this.logger.warn({ storedTerm: this.term, lastTerm }, "log holds entries from a later term than the stored hard state (torn write); adopting that term");
    this.term = lastTerm;
    this.vote = null;
  }

  // ---------------------------------------------------------------- transitions

  private reset(term: Term): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.random.int(this.cfg.electionTick);
    this.leadTransferee = null;
    this.votes = new Map();
    this.progress = new Map();
    this.observers = new Map();
  }

  becomeFollower(term: Term, lead: NodeId | null): void {
    const from = this.role;
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
    this.logger.info({ term, lead, from }, "became follower");
  }

  becomePreCandidate(): void {
    assert(this.role !== "leader", "a leader never becomes a pre-candidate");
    // Pre-vote changes nothing durable: same term, same vote (thesis §9.6).
    this.votes = new Map();
    this.lead = null;
    this.electionElapsed = 0;
    this.role = "pre-candidate";
    this.logger.info({ term: this.term }, "became pre-candidate");
  }

  becomeCandidate(): void {
    assert(this.role !== "leader", "a leader never becomes a candidate");
    // Raft §5.2: increment the term and vote for self.
    this.reset(toTerm(this.term + 1));
    this.vote = this.id;
    this.role = "candidate";
    this.logger.info({ term: this.term }, "became candidate");
  }

  becomeLeader(): void {
    assert(this.role === "candidate", () => `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    assert(this.vote === this.id, "Invariant: a leader voted for itself in its term (§5.2)");
    this.lead = this.id;
    this.role = "leader";
    const next = logIndex(this.log.lastIndex() + 1);
    for (const v of this.voters) this.progress.set(v, new Progress(next, this.cfg.maxInflightMsgs));
    const self = this.progress.get(this.id)!;
    // Our own copy counts once it is durable; entries still unstable are counted in persisted().
    self.maybeUpdate(this.log.lastStableIndex());
    self.becomeReplicate();
    self.recentActive = true;
    // Raft §5.4.2 and §8: a leader commits nothing from earlier terms until an entry of its own
    // term is committed, so it appends a noop at once (KRaft: the LeaderChangeMessage).
    this.appendEntries([{ type: "noop", data: EMPTY }]);
    this.logger.info({ term: this.term, lastIndex: this.log.lastIndex() }, "became leader");
    this.bcastAppend();
  }

  /**
   * Follows no one until a leader is heard again (etcd's ForgetLeader). Safe with pre-vote and
   * check-quorum: it only ends our own lease early. A live leader that a quorum still hears is
   * not disrupted, since the others keep ignoring pre-votes; its next heartbeat restores `lead`.
   */
  forgetLeader(): void {
    if (this.role !== "follower" || this.lead === null) return;
    this.logger.info({ term: this.term, lead: this.lead }, "forgetting the leader: its connection was lost");
    this.lead = null;
  }

  becomeObserver(term: Term, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = "observer";
    this.fetchIndex = this.log.lastIndex();
    this.fetchOutstanding = false;
    this.fetchElapsed = 0;
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    switch (this.role) {
      case "leader":
        return this.tickHeartbeat();
      case "observer":
        return this.tickObserver();
      default:
        return this.tickElection();
    }
  }

  /** Followers and candidates: Raft §5.2, start an election when no leader is heard for a timeout. */
  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup("election timeout");
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.expireSnapshots();
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.logger.warn({ term: this.term }, "stepping down: a majority of voters was not heard within an election timeout (check-quorum)");
        this.becomeFollower(this.term, null);
        return;
      }
      if (this.leadTransferee !== null) {
        this.logger.warn({ to: this.leadTransferee }, "leadership transfer aborted: not done within an election timeout");
        this.leadTransferee = null;
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** A snapshot message may be lost; after an election timeout without an answer, probe again. */
  private expireSnapshots(): void {
    for (const [id, pr] of this.progress) {
      if (pr.state !== "snapshot") continue;
      pr.snapshotElapsed++;
      if (pr.snapshotElapsed >= this.cfg.electionTick) {
        this.logger.info({ to: id, snapshot: pr.pendingSnapshot }, "snapshot not acknowledged within an election timeout; probing again");
        pr.becomeProbe();
      }
    }
  }

  /** Thesis §6.2 check-quorum: were a majority of voters (self included) heard since the last check? */
  private quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      active.set(id, id === this.id || pr.recentActive);
      if (id !== this.id) pr.recentActive = false;
    }
    return voteResult(this.voters, active) === "won";
  }

  private tickObserver(): void {
    this.fetchElapsed++;
    if (this.fetchOutstanding && this.fetchElapsed >= this.randomizedElectionTimeout) {
      // KRaft: an observer whose fetch times out rediscovers the leader among the voters.
      this.logger.info({ lead: this.lead }, "fetch timed out; looking for the leader again");
      this.lead = null;
      this.sendFetch();
    } else if (!this.fetchOutstanding && this.fetchElapsed >= this.cfg.heartbeatTick) {
      this.sendFetch();
    }
  }

  // ---------------------------------------------------------------- elections

  /** Start an election unless this node cannot or need not (etcd's hup). */
  hup(why: string, transfer = false): void {
    if (this.role === "leader" || this.role === "observer") {
      this.logger.debug({ role: this.role, why }, "not campaigning: already leader or an observer");
      return;
    }
    if (this.log.hasPendingSnapshot()) {
      this.logger.info({ why }, "not campaigning: a received snapshot is not yet applied");
      return;
    }
    this.logger.info({ term: this.term, why }, "starting an election");
    this.campaign(transfer ? "transfer" : this.cfg.preVote ? "pre-election" : "election");
  }

  private campaign(kind: CampaignKind): void {
    let voteTerm: Term;
    let type: "PreVote" | "Vote";
    if (kind === "pre-election") {
      this.becomePreCandidate();
      type = "PreVote";
      // A pre-vote asks "would you vote for me in the next term?" without moving to it.
      voteTerm = toTerm(this.term + 1);
    } else {
      this.becomeCandidate();
      type = "Vote";
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === "won") return;
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.voters) {
      if (to === this.id) continue;
      this.send({ type, to, term: voteTerm, lastLogIndex, lastLogTerm, ...(kind === "transfer" ? { transfer: true } : {}) });
    }
  }

  /** Records one vote and acts on the outcome. */
  private poll(from: NodeId, granted: boolean): "won" | "lost" | "pending" {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const result = voteResult(this.voters, this.votes);
    if (result === "won") {
      if (this.role === "pre-candidate") this.campaign("election");
      else this.becomeLeader();
    } else if (result === "lost") {
      this.logger.info({ term: this.term, role: this.role }, "election lost");
      this.becomeFollower(this.term, null);
    }
    return result;
  }

  /** Raft §5.2 and §5.4.1: one vote per term, only for a candidate whose log is at least as up to date. */
  private handleVoteRequest(m: VoteRequest): void {
    const respType = m.type === "PreVote" ? "PreVoteResponse" : "VoteResponse";
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      // A pre-vote for a later term is granted regardless of our vote in this term.
      (m.type === "PreVote" && m.term > this.term);
    const upToDate = this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    // While our own pre-vote round is young (half an election timeout), see outranksUs.
    const young = this.electionElapsed < Math.max(1, Math.floor(this.cfg.electionTick / 2));
    const deferred = m.type === "PreVote" && this.role === "pre-candidate" && young && !this.outranksUs(m);
    if (canVote && upToDate && !deferred) {
      this.logger.info({ type: m.type, candidate: m.from, term: m.term }, "granting vote");
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (m.type === "Vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      return;
    }
    const reason = !canVote
      ? `already voted for ${String(this.vote)} or following ${String(this.lead)}`
      : !upToDate
        ? "candidate log is not up to date (§5.4.1)"
        : "we are a pre-candidate too, and the requester does not outrank us";
    this.logger.info({ type: m.type, candidate: m.from, term: m.term, reason }, "rejecting vote");
    this.send({ type: respType, to: m.from, term: this.term, reject: true });
  }

  /**
   * Two followers of a dead leader often time out within one round trip of each other. If each
   * then granted the other's pre-vote, both would become candidates of the same term, vote for
   * themselves and split the vote, and the election would wait a whole further election timeout.
   * So for half an election timeout after it starts a pre-vote round (room for crossing requests
   * to arrive even on a loaded machine) a pre-candidate grants another pre-candidate only if that
   * one outranks it: a more up-to-date log (§5.4.1), or an equal log and a higher node id. Of
   * pre-candidates that hear each other the highest-ranked one is granted by all the others, so
   * one wins. Pre-vote grants change no durable state and elect no one, so this is no matter of
   * safety. After the window it grants as usual: a request that comes later means our own round
   * is stuck (peers still in their lease, or a partition that hides us from a quorum), and
   * refusing it then could only delay the election.
   */
  private outranksUs(m: VoteRequest): boolean {
    const ourTerm = this.log.lastTerm();
    const ourIndex = this.log.lastIndex();
    if (m.lastLogTerm !== ourTerm) return m.lastLogTerm > ourTerm;
    if (m.lastLogIndex !== ourIndex) return m.lastLogIndex > ourIndex;
    return m.from > this.id;
  }

  // ---------------------------------------------------------------- stepping

  /** Entry point for every inbound message. Bad input is dropped with a logged reason. */
  step(raw: unknown): void {
    const bad = validateMessage(raw);
    if (bad !== null) {
      this.logger.warn({ reason: bad }, "dropping malformed message");
      return;
    }
    const m = raw as Message;
    const why = this.rejectSender(m);
    if (why !== null) {
      this.logger.warn({ msg: describeMessage(m), reason: why }, "dropping message");
      return;
    }
    if (this.role === "observer") return this.stepObserver(m);
    if (m.type === "Fetch") return this.handleFetch(m);
    if (!this.stepTerm(m)) return;
    switch (m.type) {
      case "PreVote":
      case "Vote":
        return this.handleVoteRequest(m);
    }
    switch (this.role) {
      case "leader":
        return this.stepLeader(m);
      case "follower":
        return this.stepFollower(m);
      default:
        return this.stepCandidate(m);
    }
  }

  /** Who may send what: voter traffic only from voters, Fetch only from non-voters. */
  private rejectSender(m: Message): string | null {
    if (m.to !== this.id) return `addressed to ${m.to}, not to us`;
    if (m.from === this.id) return "message from ourselves";
    const fromVoter = this.voters.includes(m.from);
    if (m.type === "Fetch") return fromVoter ? "Fetch from a voter (voters are replicated by push)" : null;
    if (!fromVoter) return `unknown sender ${m.from}: not a voter`;
    return null;
  }

  /**
   * Raft §5.1: a higher term moves us to follower in that term; a lower term is stale. Returns
   * whether the message should be processed further. Pre-vote messages never change our term.
   */
  private stepTerm(m: Message): boolean {
    if (m.term > this.term) return this.stepHigherTerm(m);
    if (m.term === this.term) return true;
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === "Append" || m.type === "Heartbeat")) {
      // A leader cut off long enough for us to move on must learn our term and step down;
      // with pre-vote or check-quorum it would otherwise never hear of it.
      this.send({ type: "AppendResponse", to: m.from, term: this.term, index: logIndex(0), reject: false, rejectHint: logIndex(0), hintTerm: toTerm(0) });
    } else if (m.type === "PreVote") {
      this.send({ type: "PreVoteResponse", to: m.from, term: this.term, reject: true });
    } else if (this.cfg.countVotesFromOlderTerms && m.type === "VoteResponse" && !m.reject) {
      this.logger.warn({ msg: describeMessage(m) }, "PLANTED BUG countVotesFromOlderTerms: counting a vote from an older term");
      return true;
    }
    this.logger.debug({ msg: describeMessage(m), term: this.term }, "ignoring message from an older term");
    return false;
  }

  private stepHigherTerm(m: Message): boolean {
    if (m.type === "PreVote" || m.type === "Vote") {
      // Thesis §4.2.3 / §6.2: while we hear a leader, a vote request cannot disrupt it, unless it
      // comes from a leadership transfer the leader itself started.
      const inLease = this.cfg.checkQuorum && this.lead !== null && this.electionElapsed < this.cfg.electionTick;
      if (inLease && m.transfer !== true) {
        this.logger.info({ msg: describeMessage(m), lead: this.lead }, "ignoring vote request: the current leader is still heard (lease)");
        return false;
      }
    }
    if (m.type === "PreVote") return true;
    if (m.type === "PreVoteResponse" && !m.reject) return true;
    const fromLeader = m.type === "Append" || m.type === "Heartbeat" || m.type === "Snapshot";
    this.logger.info({ msg: describeMessage(m), term: this.term }, "received a higher term");
    const elapsed = this.electionElapsed;
    const timeout = this.randomizedElectionTimeout;
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    if (m.type === "Vote") {
      // Raft Figure 2: only the leader's AppendEntries or GRANTING a vote restarts the election
      // timer. A vote request we may reject must not, or a stale candidate that keeps asking
      // would stop an up-to-date follower from ever campaigning (found by the simulator, seed 2748).
      this.electionElapsed = elapsed;
      this.randomizedElectionTimeout = timeout;
    }
    return true;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "AppendResponse":
        return this.handleAppendResponse(m);
      case "HeartbeatResponse":
        return this.handleHeartbeatResponse(m);
      case "Append":
      case "Heartbeat":
      case "Snapshot":
        this.logger.error({ msg: describeMessage(m) }, "another leader in our term: Election Safety (§5.2) is broken; ignoring");
        return;
      default:
        this.logger.debug({ msg: describeMessage(m) }, "leader ignores message");
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "Append":
      case "Heartbeat":
      case "Snapshot":
        // Raft §5.2: a candidate that hears from a leader of its term returns to follower.
        this.becomeFollower(this.term, m.from);
        return this.stepFollower(m);
      case "PreVoteResponse":
      case "VoteResponse": {
        const mine = this.role === "pre-candidate" ? "PreVoteResponse" : "VoteResponse";
        if (m.type !== mine) {
          this.logger.debug({ msg: describeMessage(m) }, "ignoring a vote response of the other kind");
          return;
        }
        this.poll(m.from, !m.reject);
        return;
      }
      default:
        this.logger.debug({ msg: describeMessage(m), role: this.role }, "candidate ignores message");
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "Append":
        this.electionElapsed = 0;
        this.lead = m.from;
        return this.handleAppend(m);
      case "Heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        return this.handleHeartbeat(m);
      case "Snapshot":
        this.electionElapsed = 0;
        this.lead = m.from;
        return this.handleSnapshot(m);
      case "TimeoutNow":
        this.logger.info({ from: m.from }, "leadership transfer: campaigning at once");
        return this.hup("TimeoutNow", true);
      default:
        this.logger.debug({ msg: describeMessage(m) }, "follower ignores message");
    }
  }

  // ---------------------------------------------------------------- leader: replication

  /** Appends entries of the current term at the end of our log and counts our own copy. */
  private appendEntries(items: readonly { type: EntryType; data: Uint8Array }[]): LogIndex {
    assert(this.role === "leader", "only a leader appends entries of its own");
    let index = this.log.lastIndex();
    const ents: Entry[] = items.map((it) => {
      index = logIndex(index + 1);
      return { term: this.term, index, type: it.type, data: it.data };
    });
    return this.log.append(ents);
  }

  /**
   * The shell persisted our log up to (index, term). A leader counts its own copy only now, so
   * the commit index never exceeds what a majority holds durably, even with a single voter.
   */
  persisted(index: LogIndex, term: Term): void {
    if (this.role !== "leader" || this.log.term(index) !== term) return;
    if (this.progress.get(this.id)!.maybeUpdate(index) && this.maybeCommit()) this.bcastAppend();
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== "leader") return { ok: false, reason: "not-leader", leader: this.lead };
    if (this.leadTransferee !== null) return { ok: false, reason: "transferring", leader: this.lead };
    if (this.log.lastIndex() - this.log.committed >= this.cfg.maxUncommittedEntries) {
      return { ok: false, reason: "too-many-pending", leader: this.lead };
    }
    const index = this.appendEntries([{ type: "normal", data }]);
    this.bcastAppend();
    return { ok: true, index, term: this.term };
  }

  /** Raft §5.3 and §5.4.2: advance commit to what a majority of voters hold (observers never count). */
  private maybeCommit(): boolean {
    const mci = committedIndex(this.voters, (id) => this.progress.get(id)?.match);
    return this.log.maybeCommit(mci, this.term, this.cfg.commitPreviousTermByCounting);
  }

  private bcastAppend(): void {
    for (const to of this.voters) if (to !== this.id) this.maybeSendAppend(to, true);
  }

  private bcastHeartbeat(): void {
    for (const to of this.voters) {
      if (to === this.id) continue;
      const pr = this.progress.get(to)!;
      // Never tell a follower to commit past what it is known to hold from us.
      this.send({ type: "Heartbeat", to, term: this.term, commit: logIndex(Math.min(pr.match, this.log.committed)) });
    }
  }

  /**
   * Sends the next Append to `to` if its progress allows; a snapshot when the entries it needs
   * are compacted away. Returns whether anything was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevLogIndex = logIndex(pr.next - 1);
    const prevLogTerm = this.log.term(prevLogIndex);
    const entries = this.log.entriesFrom(pr.next, this.cfg.maxEntriesPerMsg);
    if (prevLogTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "Append", to, term: this.term, prevLogIndex, prevLogTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length, logIndex(prevLogIndex + entries.length));
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress | undefined): boolean {
    const snapshot = this.log.storage.snapshot();
    if (snapshot.meta.index === 0) {
      this.logger.error({ to }, "entries needed by a follower are compacted but storage holds no snapshot");
      return false;
    }
    this.logger.info({ to, index: snapshot.meta.index, term: snapshot.meta.term }, "sending snapshot");
    this.send({ type: "Snapshot", to, term: this.term, snapshot });
    pr?.becomeSnapshot(snapshot.meta.index);
    return true;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from)!;
    pr.recentActive = true;
    if (m.index > this.log.lastIndex()) {
      this.logger.warn({ msg: describeMessage(m), lastIndex: this.log.lastIndex() }, "dropping AppendResponse beyond our last index");
      return;
    }
    if (m.reject) return this.handleAppendReject(m, pr);
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else if (pr.state === "snapshot" && pr.match + 1 >= this.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);
    if (this.maybeCommit()) this.bcastAppend();
    else if (wasPaused) this.maybeSendAppend(m.from, true);
    // Stream as much as the inflights window allows.
    while (this.maybeSendAppend(m.from, false));
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.logger.info({ to: m.from }, "transfer target caught up; sending TimeoutNow");
      this.send({ type: "TimeoutNow", to: m.from, term: this.term });
    }
  }

  /** Raft §5.3 with fast backtracking: jump over a whole conflicting term per round trip. */
  private handleAppendReject(m: AppendResponse, pr: Progress): void {
    // A follower's hint is never below what it matched (its matched prefix equals ours), unless it
    // lost entries: then its old match is void. Only a rejection of an index above the match can
    // say so; an older, delayed rejection cannot.
    if (m.rejectHint < pr.match && m.index > pr.match) {
      this.logger.warn({ follower: m.from, match: pr.match, followerHint: m.rejectHint }, "follower lost entries it had acknowledged (a wiped disk?): replicating to it again from its log end");
      pr.resetAfterLostEntries(m.rejectHint);
      this.maybeSendAppend(m.from, true);
      return;
    }
    let nextProbe = m.rejectHint;
    if (m.hintTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.hintTerm).index;
    if (!pr.maybeDecrTo(m.index, nextProbe)) {
      this.logger.debug({ msg: describeMessage(m) }, "stale rejection");
      return;
    }
    if (pr.state === "replicate") pr.becomeProbe();
    this.maybeSendAppend(m.from, true);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from)!;
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower is alive: let one message through a full window so replication can resume.
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.maybeSendAppend(m.from, true);
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== "leader") {
      this.logger.warn({ to, role: this.role }, "ignoring leadership transfer: not the leader");
      return;
    }
    if (to === this.id || !this.voters.includes(to)) {
      this.logger.warn({ to }, "ignoring leadership transfer: target is us or not a voter");
      return;
    }
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer must finish within an election timeout, or it is abandoned (thesis §3.10).
    this.electionElapsed = 0;
    this.logger.info({ to }, "transferring leadership");
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: "TimeoutNow", to, term: this.term });
    else this.maybeSendAppend(to, true);
  }

  // ---------------------------------------------------------------- follower: receiving the log

  private handleAppend(m: AppendRequest): void {
    if (m.prevLogIndex < this.log.committed) {
      // Everything up to our commit matches any leader of this term (§5.4); tell it where we are.
      this.sendAppendResponse(m.from, this.log.committed);
      return;
    }
    const last = this.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.commit, m.entries);
    if (last === "conflicts-with-commit") {
      this.logger.error({ msg: describeMessage(m), commit: this.log.committed }, "Append would rewrite committed entries; ignoring");
      return;
    }
    if (last !== undefined) {
      this.sendAppendResponse(m.from, last);
      return;
    }
    // §5.3 consistency check failed. Hint the highest index that may still match.
    const hint = this.log.findConflictByTerm(logIndex(Math.min(m.prevLogIndex, this.log.lastIndex())), m.prevLogTerm);
    this.logger.debug({ msg: describeMessage(m), hint }, "rejecting Append: log does not match at prevLogIndex");
    this.send({ type: "AppendResponse", to: m.from, term: this.term, index: m.prevLogIndex, reject: true, rejectHint: hint.index, hintTerm: hint.term });
  }

  private sendAppendResponse(to: NodeId, index: LogIndex): void {
    this.send({ type: "AppendResponse", to, term: this.term, index, reject: false, rejectHint: logIndex(0), hintTerm: toTerm(0) });
  }

  private handleHeartbeat(m: Heartbeat): void {
    if (m.commit > this.log.lastIndex()) {
      this.logger.warn({ msg: describeMessage(m), lastIndex: this.log.lastIndex() }, "heartbeat commit beyond our log; not committing");
    } else {
      this.log.commitTo(m.commit);
    }
    this.send({ type: "HeartbeatResponse", to: m.from, term: this.term });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    if (this.restore(m.snapshot)) {
      this.sendAppendResponse(m.from, this.log.lastIndex());
    } else {
      this.sendAppendResponse(m.from, this.log.committed);
    }
  }

  /** Raft §7: install a snapshot unless we already have (and committed) what it covers. */
  private restore(s: Snapshot): boolean {
    const { index, term } = s.meta;
    if (index <= this.log.committed) {
      this.logger.debug({ index, commit: this.log.committed }, "ignoring snapshot at or below our commit");
      return false;
    }
    if (s.meta.voters.join(",") !== this.voters.join(",")) {
      // Membership changes are out of scope: the voter set is static.
      this.logger.warn({ voters: s.meta.voters }, "snapshot lists other voters than ours; keeping our static voter set");
    }
    if (this.log.matchTerm(index, term)) {
      // We hold the entry the snapshot ends with, so everything before it matches: just commit (§7).
      this.log.commitTo(index);
      return false;
    }
    this.logger.info({ index, term }, "restoring snapshot");
    this.log.restore(s);
    if (this.role === "observer") this.fetchIndex = index;
    return true;
  }

  // ---------------------------------------------------------------- observers (KRaft-style pull)

  /** Leader: serve an observer's Fetch; anyone else: point it at the leader we know. */
  private handleFetch(m: FetchRequest): void {
    const base = { type: "FetchResponse" as const, to: m.from, term: this.term, fetchIndex: m.fetchIndex, lastFetchedTerm: m.lastFetchedTerm, entries: [] as Entry[], commit: this.log.committed, rejectHint: logIndex(0), hintTerm: toTerm(0) };
    if (this.role !== "leader") {
      this.send({ ...base, outcome: "not-leader", leaderHint: this.lead });
      return;
    }
    if (this.observers.size < 4096 || this.observers.has(m.from)) this.observers.set(m.from, m.fetchIndex);
    const idx = m.fetchIndex;
    if (idx < this.log.firstIndex() - 1) {
      this.sendSnapshot(m.from, undefined);
      return;
    }
    if (idx > this.log.lastIndex() || this.log.term(idx) !== m.lastFetchedTerm) {
      // KRaft "diverging epoch": the highest index at which the logs may agree.
      const hint = this.log.findConflictByTerm(logIndex(Math.min(idx, this.log.lastIndex())), m.lastFetchedTerm);
      this.send({ ...base, outcome: "diverging", leaderHint: this.id, rejectHint: hint.index, hintTerm: hint.term });
      return;
    }
    const entries = this.log.entriesFrom(logIndex(idx + 1), this.cfg.maxEntriesPerMsg) ?? [];
    this.send({ ...base, outcome: "entries", leaderHint: this.id, entries });
  }

  private stepObserver(m: Message): void {
    if (m.type !== "FetchResponse" && m.type !== "Snapshot") {
      this.logger.debug({ msg: describeMessage(m) }, "observer ignores message: observers never vote and are not replicated by push");
      return;
    }
    if (m.term < this.term) {
      this.logger.debug({ msg: describeMessage(m), term: this.term }, "observer ignores a response from an older term");
      return;
    }
    if (m.type === "Snapshot") {
      this.observeLeader(m.term, m.from);
      this.restore(m.snapshot);
      this.fetchIndex = logIndex(Math.max(this.fetchIndex, this.log.committed));
      return this.sendFetch();
    }
    this.handleFetchResponse(m);
  }

  private observeLeader(term: Term, lead: NodeId): void {
    if (term > this.term) this.becomeObserver(term, lead);
    this.lead = lead;
    this.fetchOutstanding = false;
    this.fetchElapsed = 0;
  }

  private handleFetchResponse(m: FetchResponse): void {
    if (m.fetchIndex !== this.fetchIndex || this.log.term(m.fetchIndex) !== m.lastFetchedTerm) {
      this.logger.debug({ msg: describeMessage(m), fetchIndex: this.fetchIndex }, "observer ignores a stale fetch response");
      return;
    }
    if (m.outcome === "not-leader") {
      this.fetchOutstanding = false;
      const hint = m.leaderHint;
      this.lead = hint !== null && hint !== m.from && this.voters.includes(hint) ? hint : null;
      if (this.lead !== null) this.sendFetch();
      return;
    }
    this.observeLeader(m.term, m.from);
    if (m.outcome === "diverging") {
      const back = this.log.findConflictByTerm(m.rejectHint, m.hintTerm);
      this.fetchIndex = logIndex(Math.max(back.index, this.log.firstIndex() - 1));
      return this.sendFetch();
    }
    const last = this.log.maybeAppend(m.fetchIndex, m.lastFetchedTerm, m.commit, m.entries);
    if (last === "conflicts-with-commit" || last === undefined) {
      this.logger.error({ msg: describeMessage(m) }, "fetch response does not fit our log; ignoring");
      return;
    }
    this.fetchIndex = last;
    // Keep pulling while the leader has more; otherwise wait a heartbeat interval.
    if (m.entries.length > 0) this.sendFetch();
  }

  private sendFetch(): void {
    const to = this.lead ?? this.voters[this.cfg.random.int(this.voters.length)]!;
    // Keep the position inside our log: not past its end, and not below the snapshot, whose
    // entries are committed and so match the leader's.
    this.fetchIndex = logIndex(Math.max(Math.min(this.fetchIndex, this.log.lastIndex()), this.log.firstIndex() - 1));
    const lastFetchedTerm = this.log.term(this.fetchIndex) ?? toTerm(0);
    this.send({ type: "Fetch", to, term: this.term, fetchIndex: this.fetchIndex, lastFetchedTerm });
    this.fetchOutstanding = true;
    this.fetchElapsed = 0;
  }

  // ---------------------------------------------------------------- output

  private send(m: Outgoing): void {
    const full = { ...m, from: this.id } as Message;
    assert(full.to !== this.id, () => `never send to self: ${describeMessage(full)}`);
    this.msgs.push(full);
  }
}
