// The produce purgatory's bookkeeping for one partition (Kafka `DelayedProduce`, reference §3.4),
// without timers: the shell keeps one queue per led partition, calls `tryComplete` whenever the
// HW moves, `expire(nowMs)` from its timer, and `completeAll("NOT_LEADER_OR_FOLLOWER")` when it
// stops leading (testDeltaToFollowerCompletesProduce). Each completion names the waiting produce
// by the key the shell gave it and the Kafka error to answer with.

import { assert, type Offset } from "@replog/common";
import type { PartitionErrorOrNone } from "./partition-error.js";

/** The leader's answer for one waiting produce (Kafka: Partition.checkEnoughReplicasReachOffset). */
export type ReplicaOffsetCheck =
  | { readonly done: false }
  | { readonly done: true; readonly error: "NONE" | "NOT_ENOUGH_REPLICAS_AFTER_APPEND" };

export interface DelayedProduce<K> {
  readonly key: K;
  /** The produce's last offset + 1: the HW must reach it. */
  readonly requiredOffset: Offset;
  /** The produce request's `timeoutMs` after it was appended, on the shell's monotonic clock. */
  readonly deadlineMs: number;
}

export interface ProduceCompletion<K> {
  readonly key: K;
  readonly requiredOffset: Offset;
  readonly error: PartitionErrorOrNone;
}

/** Default bound on waiting acks=all produces per partition: back-pressure beyond it. */
export const DELAYED_PRODUCES_MAX_DEFAULT = 4096;

export class DelayedProduceQueue<K> {
  /** Sorted by `requiredOffset` (then arrival), so completion stops at the first one still short. */
  private readonly waiting: DelayedProduce<K>[] = [];

  constructor(readonly delayedProducesMax: number = DELAYED_PRODUCES_MAX_DEFAULT) {
    assert(delayedProducesMax >= 1, "delayedProducesMax must be at least 1");
  }

  get size(): number {
    return this.waiting.length;
  }

  /** The shell checks this BEFORE appending an acks=all produce, and stops reading when false. */
  hasRoom(): boolean {
    return this.waiting.length < this.delayedProducesMax;
  }

  add(produce: DelayedProduce<K>): void {
    assert(this.hasRoom(), () => `delayed produces over their bound ${this.delayedProducesMax}`);
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1]!.requiredOffset > produce.requiredOffset) at--;
    this.waiting.splice(at, 0, produce);
  }

  /**
   * Kafka: DelayedProduce.tryComplete, asking the leader's `checkEnoughReplicasReachOffset` for
   * each produce in offset order. Since the HW covers a prefix of the offsets, the first produce
   * still short ends the scan.
   */
  tryComplete(check: (requiredOffset: Offset) => ReplicaOffsetCheck): ProduceCompletion<K>[] {
    const done: ProduceCompletion<K>[] = [];
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      const result = check(head.requiredOffset);
      if (!result.done) break;
      this.waiting.shift();
      done.push({ key: head.key, requiredOffset: head.requiredOffset, error: result.error });
    }
    return done;
  }

  /**
   * Produces whose deadline has passed answer REQUEST_TIMED_OUT. The data stays in the log and
   * may still commit later, so a timeout is ambiguous for the client (§3.4 step 4).
   */
  expire(nowMs: number): ProduceCompletion<K>[] {
    const expired: ProduceCompletion<K>[] = [];
    for (let i = 0; i < this.waiting.length; ) {
      const produce = this.waiting[i]!;
      if (produce.deadlineMs <= nowMs) {
        this.waiting.splice(i, 1);
        expired.push({ key: produce.key, requiredOffset: produce.requiredOffset, error: "REQUEST_TIMED_OUT" });
      } else {
        i++;
      }
    }
    return expired;
  }

  /** The earliest deadline, for the shell's timer; undefined when nothing waits. */
  nextDeadlineMs(): number | undefined {
    let earliest: number | undefined;
    for (const produce of this.waiting) if (earliest === undefined || produce.deadlineMs < earliest) earliest = produce.deadlineMs;
    return earliest;
  }

  /** Every waiting produce completes with `error` (leadership lost: NOT_LEADER_OR_FOLLOWER). */
  completeAll(error: PartitionErrorOrNone): ProduceCompletion<K>[] {
    const all = this.waiting.map((produce) => ({ key: produce.key, requiredOffset: produce.requiredOffset, error }));
    this.waiting.length = 0;
    return all;
  }
}
