// The leader's view of one follower (Kafka `Replica.scala`, `ReplicaState`), reference §1.2 and
// §1.4. Owned by `PartitionLeader`; updated on the request loop each time that follower fetches.
//
// The leader learns a follower's LEO only from the follower's NEXT fetch: a fetch at offset `b`
// proves the follower holds everything below `b`. Data sent in a response does not count.

import { UNDEFINED_OFFSET, type BrokerEpoch, type NodeId, type Offset } from "@replog/common";

/**
 * "Never" on our clocks. Kafka uses 0, which on its wall clock is far in the past; our clocks are
 * monotonic and may start at 0 (the simulator's does), so 0 would read as "just now".
 */
export const NEVER_MS = Number.NEGATIVE_INFINITY;

export interface FetchStateUpdate {
  readonly fetchOffset: Offset;
  readonly logStartOffset: Offset;
  readonly nowMs: number;
  /** The leader's LEO captured before serving this fetch (§1.3 step 3). */
  readonly leaderEndOffset: Offset;
  /** The broker epoch the fetch carried; -1 means "skip the broker-epoch checks". */
  readonly brokerEpoch: BrokerEpoch;
}

export class ReplicaState {
  /** Last log start offset the follower reported; -1 while unknown. */
  logStartOffset: Offset = UNDEFINED_OFFSET;
  /** The follower's LEO = the fetch offset of its latest fetch; -1 while unknown. */
  logEndOffset: Offset = UNDEFINED_OFFSET;
  /** The leader's LEO when the previous fetch from this follower arrived. */
  lastFetchLeaderLogEndOffset: Offset = UNDEFINED_OFFSET;
  /** When the previous fetch arrived. */
  lastFetchTimeMs = NEVER_MS;
  /** The latest time `t` at which the follower had reached the leader's LEO as of `t` (§1.4). */
  lastCaughtUpTimeMs = NEVER_MS;
  /** Broker epoch from the follower's latest fetch (KIP-903, may be -1); undefined before one. */
  brokerEpoch: BrokerEpoch | undefined = undefined;

  constructor(readonly brokerId: NodeId) {}

  /**
   * Kafka: Replica.updateFetchStateOrThrow, the caught-up clock of §1.4. Rule 2 is why a follower
   * under a steady stream of small produces stays in sync: each fetch proves that it reached the
   * LEO the leader had one round trip earlier.
   */
  updateFetchState(fetch: FetchStateUpdate): void {
    if (fetch.fetchOffset >= fetch.leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetch.nowMs);
    } else if (fetch.fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.lastFetchLeaderLogEndOffset = maxOffset(fetch.leaderEndOffset, this.lastFetchLeaderLogEndOffset);
    this.lastFetchTimeMs = fetch.nowMs;
    this.logEndOffset = fetch.fetchOffset;
    this.logStartOffset = fetch.logStartOffset;
    this.brokerEpoch = fetch.brokerEpoch;
  }

  /**
   * Kafka: Replica.isCaughtUp. In sync when at the leader's LEO, or caught up to it within the
   * last `replica.lag.time.max.ms`. There is no offset-count lag (§1.4).
   */
  isCaughtUp(leaderEndOffset: Offset, nowMs: number, lagTimeMaxMs: number): boolean {
    return this.logEndOffset === leaderEndOffset || nowMs - this.lastCaughtUpTimeMs <= lagTimeMaxMs;
  }

  /**
   * Kafka: Replica.resetReplicaState, called by `becomeLeader` only when the leader epoch grows.
   * An ISR member starts caught up now; anyone else starts "never" so that it does not hold back
   * the HW. A brand-new leader forgets everything it knew; a re-elected one keeps the LEO but
   * measures the next fetch against the new epoch start, and lets a non-ISR follower back in
   * only after a real fetch.
   */
  reset(nowMs: number, leaderEndOffset: Offset, isNewLeader: boolean, inIsr: boolean): void {
    this.lastCaughtUpTimeMs = inIsr ? nowMs : NEVER_MS;
    if (isNewLeader) {
      this.logStartOffset = UNDEFINED_OFFSET;
      this.logEndOffset = UNDEFINED_OFFSET;
      this.lastFetchLeaderLogEndOffset = UNDEFINED_OFFSET;
      this.lastFetchTimeMs = NEVER_MS;
      this.brokerEpoch = undefined;
    } else {
      this.lastFetchLeaderLogEndOffset = leaderEndOffset;
      this.lastFetchTimeMs = inIsr ? nowMs : NEVER_MS;
    }
  }
}

function maxOffset(a: Offset, b: Offset): Offset {
  return a >= b ? a : b;
}
