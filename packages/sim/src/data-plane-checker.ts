// The data plane's safety properties, checked after every event of a data-plane simulation
// (issue 4, build point 3; reference §1.5, §2.4, §4, §5.2):
//
// | property                 | meaning                                                              |
// |--------------------------|----------------------------------------------------------------------|
// | hw-monotonic             | a leader's HW never goes back within its leadership                  |
// | leader-append-only       | a leader never truncates its own log                                 |
// | committed-record-changed | every leader agrees on the records below its HW (one committed log)  |
// | leader-completeness      | the current clean leader holds every record below any HW             |
// | leader-in-isr            | a leader was in the target ISR when elected unless recorded unclean; |
// |                          | the controller's leader is in its ISR; a broker leads only an epoch  |
// |                          | the controller gave it                                               |
// | acked-write-lost         | an acks=all record acknowledged with no error is committed, and the  |
// |                          | current leader holds it                                              |
// | truncated-committed      | no replica truncates a committed record away (checked before every   |
// |                          | truncation: epochs truncate only the divergent suffix, §4.4, §4.6)   |
//
// An unclean election at leader epoch U is the one sanctioned loss: records written under epochs
// below U are excused from then on, and the committed log starts again from the new leader's HW.
//
// The committed log is learned from the leaders themselves: whenever a leader's HW passes an
// offset, the record it holds there becomes committed. The checks are incremental (each
// leadership remembers how far it has been checked), so a check after every event stays cheap.

import { NO_LEADER, type NodeId, type Offset } from "@replog/common";
import type { SimController } from "./data-plane-controller.js";
import type { Replica } from "./data-plane-broker.js";
import type { SimRecord } from "./data-plane-messages.js";
import { InvariantViolation } from "./invariant-violation.js";

export interface BrokerView {
  readonly id: NodeId;
  readonly up: boolean;
  readonly replicas: ReadonlyMap<number, Replica>;
}

interface PartitionTrack {
  /** Leader epoch of each committed offset, from 0 to the highest HW seen. */
  committed: number[];
  /** Leader epoch of the latest unclean election, or -1. */
  uncleanEpoch: number;
  /** Bumped when an unclean election resets the committed log and the acknowledged list. */
  generation: number;
  acked: SimRecord[];
}

interface LeadershipTrack {
  highWatermark: number;
  logEndOffset: number;
  generation: number;
  /** Offsets below this agree with the committed log. */
  verifiedUpTo: number;
  /** Committed offsets below this were found in this leader's log. */
  completeUpTo: number;
  /** Acknowledged records before this index were found in this leader's log. */
  ackedUpTo: number;
}

export class DataPlaneChecker {
  private readonly tracks: PartitionTrack[];
  /** Per leader core (one per broker life and partition), the track of its current epoch. */
  private readonly leaderships = new WeakMap<object, LeadershipTrack & { epoch: number }>();
  /** `${partition}/${leaderEpoch}` to the leader the controller elected. */
  private readonly electedLeaders = new Map<string, NodeId>();
  private electionsSeen = 0;
  /** acks=all records excused by an unclean election, for the stats. */
  excusedAcks = 0;

  constructor(partitions: number) {
    this.tracks = Array.from({ length: partitions }, () => ({ committed: [], uncleanEpoch: -1, generation: 0, acked: [] }));
  }

  /** Highest committed offset + 1 per partition (the committed log's length). */
  committedEnd(partition: number): number {
    return this.tracks[partition]!.committed.length;
  }

  ackedCount(partition: number): number {
    return this.tracks[partition]!.acked.length;
  }

  checkAfterEvent(controller: SimController, brokers: readonly BrokerView[]): void {
    this.checkElections(controller);
    for (let p = 0; p < controller.partitionCount; p++) {
      const r = controller.partition(p);
      if (r.leader !== NO_LEADER && !r.isr.includes(r.leader)) {
        throw new InvariantViolation("leader-in-isr", `p${p}: controller leader ${r.leader} at epoch ${r.leaderEpoch} not in ISR [${r.isr.join(",")}]`);
      }
    }
    for (const broker of brokers) {
      if (!broker.up) continue;
      for (const replica of broker.replicas.values()) {
        if (replica.role.kind === "leader") this.checkLeader(controller, broker, replica);
      }
    }
  }

  /** The client got an acks=all answer without error for these records. */
  onAcked(partition: number, baseOffset: Offset, count: number, epoch: number): void {
    const track = this.tracks[partition]!;
    if (epoch < track.uncleanEpoch) {
      this.excusedAcks += count;
      return;
    }
    for (let o = baseOffset; o < baseOffset + count; o++) {
      if (track.committed[o] !== epoch) {
        throw new InvariantViolation("acked-write-lost", `p${partition}: acks=all record ${o}@${epoch} acknowledged but not committed (committed log ends at ${track.committed.length}, has ${track.committed[o] ?? "nothing"} there)`);
      }
      track.acked.push({ offset: o as Offset, epoch: epoch as SimRecord["epoch"] });
    }
  }

  /**
   * Before a replica's log loses `[to, LEO)`: none of those records may be committed. A record
   * with the committed (offset, epoch) is the committed record (one leader per epoch), so a
   * truncation by leader epoch, which cuts only where the logs diverge, never removes one.
   */
  checkTruncation(broker: NodeId, replica: Replica, to: Offset): void {
    const track = this.tracks[replica.partition]!;
    // A follower still in a leadership from before the latest unclean election may cut what the
    // new (unclean) leader counts as committed: its leader's log was the truth of its own time,
    // and the new leader still has the records. It learns the new epoch and fetches them again.
    if (replica.role.kind === "follower" && replica.role.core.leaderEpoch < track.uncleanEpoch) return;
    const end = Math.min(replica.log.logEndOffset(), track.committed.length);
    for (let o = Math.max(to, replica.log.logStartOffset()); o < end; o++) {
      if (replica.log.epochAt(o as Offset) === track.committed[o]) {
        throw new InvariantViolation("truncated-committed", `p${replica.partition}: b${broker} truncates to ${to}, removing committed record ${o}@${track.committed[o]} (committed log ends at ${track.committed.length})`);
      }
    }
  }

  /** New elections: clean ones come from the target ISR; an unclean one resets what is protected. */
  private checkElections(controller: SimController): void {
    for (; this.electionsSeen < controller.elections.length; this.electionsSeen++) {
      const e = controller.elections[this.electionsSeen]!;
      this.electedLeaders.set(`${e.partition}/${e.leaderEpoch}`, e.leader);
      if (!e.unclean && !e.targetIsr.includes(e.leader)) {
        throw new InvariantViolation("leader-in-isr", `p${e.partition}: b${e.leader} elected at epoch ${e.leaderEpoch} from outside the ISR [${e.targetIsr.join(",")}] and not recorded as unclean`);
      }
      if (!e.unclean) continue;
      const track = this.tracks[e.partition]!;
      track.uncleanEpoch = Math.max(track.uncleanEpoch, e.leaderEpoch);
      track.committed = [];
      track.generation++;
      const kept = track.acked.filter((r) => r.epoch >= e.leaderEpoch);
      this.excusedAcks += track.acked.length - kept.length;
      track.acked = kept;
    }
  }

  private checkLeader(controller: SimController, broker: BrokerView, replica: Replica): void {
    const role = replica.role;
    if (role.kind !== "leader") return;
    const p = replica.partition;
    const epoch = role.core.state.leaderEpoch;
    const elected = this.electedLeaders.get(`${p}/${epoch}`);
    if (elected !== broker.id) {
      throw new InvariantViolation("leader-in-isr", `p${p}: b${broker.id} leads epoch ${epoch}, which the controller gave to ${elected ?? "nobody"}`);
    }
    const track = this.tracks[p]!;
    const t = this.leadership(role.core, p, epoch, role.core.highWatermark, replica.log.logEndOffset());
    const hw = role.core.highWatermark;
    const leo = replica.log.logEndOffset();
    if (hw < t.highWatermark) throw new InvariantViolation("hw-monotonic", `p${p}: leader b${broker.id} at epoch ${epoch} moved its HW back from ${t.highWatermark} to ${hw}`);
    if (leo < t.logEndOffset) throw new InvariantViolation("leader-append-only", `p${p}: leader b${broker.id} at epoch ${epoch} truncated its log from ${t.logEndOffset} to ${leo}`);
    t.highWatermark = hw;
    t.logEndOffset = leo;
    if (t.generation !== track.generation) Object.assign(t, { generation: track.generation, verifiedUpTo: 0, completeUpTo: 0, ackedUpTo: 0 });
    if (epoch < track.uncleanEpoch) return;
    this.learnCommitted(track, t, replica, broker.id, hw);
    const current = controller.partition(p);
    if (current.leader === broker.id && current.leaderEpoch === epoch) this.checkComplete(track, t, replica, broker.id);
  }

  /** A leadership is one leader core at one leader epoch (a core can move to a newer epoch in place). */
  private leadership(core: object, p: number, epoch: number, hw: number, leo: number): LeadershipTrack {
    let t = this.leaderships.get(core);
    if (t === undefined || t.epoch !== epoch) {
      t = { epoch, highWatermark: hw, logEndOffset: leo, generation: this.tracks[p]!.generation, verifiedUpTo: 0, completeUpTo: 0, ackedUpTo: 0 };
      this.leaderships.set(core, t);
    }
    return t;
  }

  /** Records below this leader's HW agree with the committed log, and extend it. */
  private learnCommitted(track: PartitionTrack, t: LeadershipTrack, replica: Replica, id: NodeId, hw: number): void {
    const log = replica.log;
    const agreeTo = Math.min(hw, track.committed.length);
    for (let o = Math.max(t.verifiedUpTo, log.logStartOffset()); o < agreeTo; o++) {
      const epoch = log.epochAt(o as Offset);
      if (epoch !== track.committed[o]) {
        throw new InvariantViolation("committed-record-changed", `p${replica.partition}: leader b${id} has ${epoch ?? "nothing"} at ${o} below its HW ${hw}, the committed record there is of epoch ${track.committed[o]}`);
      }
    }
    for (let o = track.committed.length; o < hw; o++) track.committed.push(log.epochAt(o as Offset)!);
    t.verifiedUpTo = Math.max(t.verifiedUpTo, hw);
  }

  /** The controller's current leader, once it leads: every committed and every acknowledged record is in its log. */
  private checkComplete(track: PartitionTrack, t: LeadershipTrack, replica: Replica, id: NodeId): void {
    const log = replica.log;
    for (let o = t.completeUpTo; o < track.committed.length; o++) {
      const epoch = log.epochAt(o as Offset);
      if (epoch !== track.committed[o]) {
        throw new InvariantViolation("leader-completeness", `p${replica.partition}: leader b${id} has ${epoch ?? "nothing"} at ${o} (LEO ${log.logEndOffset()}), committed record there is of epoch ${track.committed[o]}`);
      }
    }
    t.completeUpTo = track.committed.length;
    for (let i = t.ackedUpTo; i < track.acked.length; i++) {
      const r = track.acked[i]!;
      if (log.epochAt(r.offset) !== r.epoch) {
        throw new InvariantViolation("acked-write-lost", `p${replica.partition}: acks=all record ${r.offset}@${r.epoch} was acknowledged; leader b${id} has ${log.epochAt(r.offset) ?? "nothing"} there (LEO ${log.logEndOffset()})`);
      }
    }
    t.ackedUpTo = track.acked.length;
  }
}
