// RawNode: the public face of the Raft core (etcd's rawnode.go). Not thread-safe and never async:
// the shell owns one loop that calls tick/step/propose and then drains Ready:
//
//   const rd = node.ready();
//   persist rd.snapshot, rd.entries, rd.hardState   (fsync when rd.mustSync)
//   send rd.messages                                 (only after the persist above)
//   apply rd.committedEntries                        (in order)
//   node.advance(rd);
import { logIndex, type LogIndex, type NodeId } from "@replog/common";
import { resolveConfig, type RaftConfig } from "./config.js";
import type { HardState, SoftState } from "./messages.js";
import type { ProgressStatus, Ready, Status } from "./ready.js";
import { Raft, type ProposeResult } from "./raft.js";
import type { RaftStorage } from "./storage.js";

export type { Ready, Status, ProgressStatus } from "./ready.js";
export type { ProposeResult };

/** Bound on committed entries handed out in one Ready, so one Ready stays a bounded amount of work. */
const committedEntriesPerReadyMax = 1024;

export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(config: RaftConfig, storage: RaftStorage) {
    this.raft = new Raft(resolveConfig(config), storage, config.voters);
    this.prevSoftState = this.softState();
    this.prevHardState = storage.initialState().hardState;
  }

  /** Advances logical time by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds one inbound message. Malformed, stale or unexpected messages are dropped with a logged reason. */
  step(message: unknown): void {
    this.raft.step(message);
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  /** Starts an election now (tests, bootstrap of a single node). */
  campaign(): void {
    this.raft.hup("campaign requested");
  }

  transferLeadership(to: NodeId): void {
    this.raft.transferLeadership(to);
  }

  /**
   * etcd's ForgetLeader: a follower drops the leader it follows, keeping its term and vote, and so
   * grants pre-votes at once instead of waiting out its lease. For a shell with outside evidence
   * that the leader is gone (its connection was reset). It does not campaign by itself.
   */
  forgetLeader(): void {
    this.raft.forgetLeader();
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  hasReady(): boolean {
    const r = this.raft;
    const ss = this.softState();
    if (ss.leader !== this.prevSoftState.leader || ss.role !== this.prevSoftState.role) return true;
    if (!sameHardState(this.hardState(), this.prevHardState)) return true;
    if (r.msgs.length > 0) return true;
    if (r.log.unstable.nextSnapshot() !== undefined) return true;
    if (r.log.unstable.nextEntries().length > 0) return true;
    return r.log.hasNextCommittedEntries();
  }

  /** Everything the shell must do now. Handing it out marks it in progress until `advance`. */
  ready(): Ready {
    const r = this.raft;
    const ss = this.softState();
    const hs = this.hardState();
    const entries = r.log.unstable.nextEntries();
    const snapshot = r.log.unstable.nextSnapshot();
    const committedEntries = r.log.nextCommittedEntries(committedEntriesPerReadyMax);
    const softChanged = ss.leader !== this.prevSoftState.leader || ss.role !== this.prevSoftState.role;
    const hardChanged = !sameHardState(hs, this.prevHardState);
    const mustSync = entries.length > 0 || snapshot !== undefined || hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
    const rd: Ready = {
      ...(softChanged ? { softState: ss } : {}),
      ...(hardChanged ? { hardState: hs } : {}),
      entries,
      ...(snapshot ? { snapshot } : {}),
      messages: r.msgs,
      committedEntries,
      mustSync,
    };
    // Accept: what we handed out is now the shell's to do.
    r.msgs = [];
    r.log.unstable.acceptInProgress();
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted) r.log.acceptApplying(lastCommitted.index);
    if (softChanged) this.prevSoftState = ss;
    if (hardChanged) this.prevHardState = hs;
    return rd;
  }

  /** The shell has persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    const log = this.raft.log;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry) {
      log.stableTo(lastEntry.index, lastEntry.term);
      this.raft.persisted(lastEntry.index, lastEntry.term);
    }
    if (rd.snapshot) {
      log.stableSnapTo(rd.snapshot.meta.index);
      log.appliedTo(rd.snapshot.meta.index);
    }
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted) log.appliedTo(lastCommitted.index);
  }

  status(): Status {
    const r = this.raft;
    const base: Status = {
      id: r.id,
      role: r.role,
      term: r.term,
      leader: r.lead,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
    };
    if (r.role !== "leader") return base;
    const progress = new Map<NodeId, ProgressStatus>();
    for (const [id, pr] of r.progress) progress.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive });
    return { ...base, progress, observers: new Map(r.observers) };
  }

  /** The first index still in the log (after the last snapshot/compaction); for tests and the simulator. */
  firstIndex(): LogIndex {
    return logIndex(this.raft.log.firstIndex());
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
