// What the leader knows about one voter's log (etcd's tracker/progress.go), and how it paces
// replication to it. Three states, drawn in design notes beside etcd's code:
//
//          +------------------------------------------------------+
//          |                  send snapshot                       |
//          |                                                      v
//     +---------+  append acked  +-----------+            +-----------+
//     |  probe  | -------------> | replicate |            |  snapshot |
//     +---------+                +-----------+            +-----------+
//       ^    ^   append rejected       |                        |
//       |    +-------------------------+                        |
//       +------ snapshot acked, or it timed out ----------------+
//
// probe: at most one Append in flight until the follower answers (we are looking for the match).
// replicate: stream Appends optimistically, bounded by the inflights window.
// snapshot: the follower is behind our first index; wait for it to install the snapshot.
import { assert, logIndex, type LogIndex } from "@replog/common";
import { Inflights } from "./inflights.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  /** Highest index known to be replicated on the follower. Invariant: match < next. */
  match: LogIndex;
  /** Next index to send. */
  next: LogIndex;
  state: ProgressState = "probe";
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: LogIndex = logIndex(0);
  /** Ticks spent waiting for the pending snapshot; after an election timeout we assume it was lost. */
  snapshotElapsed = 0;
  /** Heard from the follower since the last check-quorum round (Raft thesis §6.2). */
  recentActive = false;
  /** In probe state: a probe is in flight, so send nothing more until it is answered or a heartbeat returns. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: LogIndex, inflightsMax: number) {
    this.match = logIndex(0);
    this.next = next;
    this.inflights = new Inflights(inflightsMax);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = logIndex(0);
    this.snapshotElapsed = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it; otherwise right after the known match.
    const from = this.state === "snapshot" ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState("probe");
    this.next = logIndex(from);
  }

  /**
   * The follower's log ends below what it acknowledged before: it lost entries (a wiped or
   * replaced disk, which Raft itself assumes never happens). Forget the old match and probe from
   * its real log end, so it is repaired by Appends or a snapshot instead of every rejection
   * being taken for a stale one.
   */
  resetAfterLostEntries(followerLastIndex: LogIndex): void {
    this.match = followerLastIndex;
    this.resetState("probe");
    this.next = logIndex(followerLastIndex + 1);
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = logIndex(this.match + 1);
  }

  becomeSnapshot(snapshotIndex: LogIndex): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** An Append carrying entries up to `last` (or none) was just sent. */
  sentEntries(count: number, last: LogIndex): void {
    if (this.state === "replicate" && count > 0) {
      this.next = logIndex(last + 1);
      this.inflights.add(last);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
    assert(this.match < this.next, () => `Invariant: match ${this.match} < next ${this.next}`);
  }

  /** The follower acknowledged index n. Returns false for a stale acknowledgement. */
  maybeUpdate(n: LogIndex): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = logIndex(n + 1);
    return updated;
  }

  /**
   * The follower rejected an Append whose prevLogIndex was `rejected`, and suggests `matchHint` as
   * the highest index that may match. Returns false when the rejection is stale (Raft §5.3:
   * "decrements nextIndex and retries", with etcd's fast backtracking).
   */
  maybeDecrTo(rejected: LogIndex, matchHint: LogIndex): boolean {
    if (this.state === "replicate") {
      // In replicate state we only ever retry from just after the known match.
      if (rejected <= this.match) return false;
      this.next = logIndex(this.match + 1);
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = logIndex(Math.max(Math.min(rejected, matchHint + 1), this.match + 1));
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold back Appends to this follower for now. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
