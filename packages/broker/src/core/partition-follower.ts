// The partition core on a follower (Kafka `AbstractFetcherThread` / `ReplicaFetcherThread`
// per-partition logic, reference §1.3, §4.4 and §4.5): what to fetch next, what a fetch response
// means (append, truncate by leader epoch, back off, wait for metadata), and the follower's HW.
// The fetcher shell (or the simulator) sends the fetches, carries out appends and truncations on
// the log, and confirms them with `onAppended` / `onTruncated`, so each step runs to the end
// with the follower's invariants intact.
//
// Truncation is by leader epoch in as many fetch rounds as needed (KIP-279), never to the HW,
// except when the epoch cache is empty (the old lossy path of §4.1, kept for that case only).

import { assert, type LeaderEpoch, type NodeId, type Offset } from "@replog/common";
import { checkConsumerFetch, type ConsumerFetchRequest, type ConsumerFetchResult } from "./consumer-fetch.js";
import type { PartitionErrorOrNone } from "./partition-error.js";
import type { EpochEndOffset, PartitionLogView } from "./partition-log.js";

export type FollowerFetchState = "fetching" | "failed";

/** What a follower sends for this partition in its fetch (§1.3). */
export interface FollowerFetch {
  readonly fetchOffset: Offset;
  readonly logStartOffset: Offset;
  /** -1 when the local epoch cache is empty. */
  readonly lastFetchedEpoch: LeaderEpoch;
  readonly currentLeaderEpoch: LeaderEpoch;
}

/** The per-partition part of the leader's fetch response. */
export interface LeaderFetchResponse {
  readonly error: PartitionErrorOrNone;
  readonly highWatermark: Offset;
  readonly logStartOffset: Offset;
  /** Present when the leader found the follower's log diverging (§4.4). */
  readonly divergingEpoch: EpochEndOffset | undefined;
}

export type FollowerFetchOutcome =
  /** A stale response (the fetch state moved on since the request) or nothing to do. */
  | { readonly kind: "ignore"; readonly reason: string }
  /** Append the response's records as follower (they keep the leader's offsets and epochs), then call `onAppended`. */
  | { readonly kind: "append" }
  /** Truncate the log to `truncateTo`, then call `onTruncated`; `complete` false means another round may follow. */
  | { readonly kind: "truncate"; readonly truncateTo: Offset; readonly complete: boolean }
  /** Empty the log and restart it at `startAt` (the leader's log start passed our LEO), then call `onTruncated`. */
  | { readonly kind: "truncate-fully"; readonly startAt: Offset }
  /** OFFSET_OUT_OF_RANGE: ask the leader for its log end and log start offsets, then call `handleOutOfRange`. */
  | { readonly kind: "resolve-out-of-range" }
  /** Retry after `replica.fetch.backoff.ms`. */
  | { readonly kind: "backoff"; readonly error: PartitionErrorOrNone }
  /** Stop fetching this partition until new metadata arrives. */
  | { readonly kind: "await-metadata"; readonly error: PartitionErrorOrNone };

export class PartitionFollower {
  private state: FollowerFetchState = "fetching";

  private constructor(
    readonly localBrokerId: NodeId,
    readonly leaderId: NodeId,
    readonly leaderEpoch: LeaderEpoch,
    private fetchOffsetValue: Offset,
    /** Invariant: logStartOffset <= highWatermark <= LEO. */
    private highWatermarkValue: Offset,
  ) {}

  /**
   * Kafka: Partition.makeFollower plus the fetcher's `initialFetchState`. The fetch starts at the
   * local LEO when the epoch cache has an entry (truncation happens on fetch, by epoch). With an
   * empty cache there is nothing to compare epochs with, so the partition first truncates to its
   * HW (`truncateTo` set: the shell truncates and calls `onTruncated`).
   */
  static becomeFollower(args: {
    readonly localBrokerId: NodeId;
    readonly leaderId: NodeId;
    readonly leaderEpoch: LeaderEpoch;
    readonly log: PartitionLogView;
    readonly highWatermark: Offset;
  }): { follower: PartitionFollower; truncateTo: Offset | undefined } {
    const { log } = args;
    assert(args.leaderId !== args.localBrokerId, "a follower of itself");
    const hw = clampOffset(args.highWatermark, log.logStartOffset(), log.logEndOffset());
    const hasEpochs = log.latestEpoch() !== undefined;
    const fetchOffset = hasEpochs ? log.logEndOffset() : hw;
    const follower = new PartitionFollower(args.localBrokerId, args.leaderId, args.leaderEpoch, fetchOffset, hw);
    const truncateTo = !hasEpochs && hw < log.logEndOffset() ? hw : undefined;
    return { follower, truncateTo };
  }

  get fetchState(): FollowerFetchState {
    return this.state;
  }

  get fetchOffset(): Offset {
    return this.fetchOffsetValue;
  }

  get highWatermark(): Offset {
    return this.highWatermarkValue;
  }

  /** Kafka: RemoteLeaderEndPoint.buildFetch for this partition; undefined while failed. */
  buildFetch(log: PartitionLogView): FollowerFetch | undefined {
    if (this.state !== "fetching") return undefined;
    assert(this.fetchOffsetValue === log.logEndOffset(), () => `fetch offset ${this.fetchOffsetValue} but LEO ${log.logEndOffset()}`);
    return {
      fetchOffset: this.fetchOffsetValue,
      logStartOffset: log.logStartOffset(),
      lastFetchedEpoch: log.latestEpoch() ?? (-1 as LeaderEpoch),
      currentLeaderEpoch: this.leaderEpoch,
    };
  }

  /**
   * Kafka: AbstractFetcherThread.processFetchRequest for one partition. A response is used only if
   * the partition is still fetching at the offset the request was built with; anything else is a
   * stale answer from before a truncation or a leader change.
   */
  handleFetchResponse(request: FollowerFetch, response: LeaderFetchResponse, log: PartitionLogView): FollowerFetchOutcome {
    if (this.state !== "fetching") return { kind: "ignore", reason: "partition is not fetching" };
    if (request.fetchOffset !== this.fetchOffsetValue || request.currentLeaderEpoch !== this.leaderEpoch) {
      return { kind: "ignore", reason: `stale response for fetch offset ${request.fetchOffset}` };
    }
    switch (response.error) {
      case "NONE":
        if (response.divergingEpoch !== undefined && response.divergingEpoch.epoch >= 0) {
          return this.truncationFor(response.divergingEpoch, log);
        }
        assert(request.fetchOffset === log.logEndOffset(), "fetch offset differs from the local LEO");
        return { kind: "append" };
      case "OFFSET_OUT_OF_RANGE":
        return { kind: "resolve-out-of-range" };
      case "FENCED_LEADER_EPOCH":
        // Our epoch is older than the leader's: only new metadata can help.
        this.state = "failed";
        return { kind: "await-metadata", error: response.error };
      default:
        // UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER and the rest: metadata is propagating.
        return { kind: "backoff", error: response.error };
    }
  }

  /**
   * Kafka: AbstractFetcherThread.getOffsetTruncationState (§4.4), given the leader's
   * `(E, O) = divergingEpoch` and our `(fE, fO) = endOffsetForEpoch(E)`:
   * - O undefined (-1): truncate to the current fetch offset, done;
   * - fE != E (we never had epoch E): truncate to min(fO, LEO), not complete: the next fetch
   *   carries our new last epoch, which may diverge again (the multi-round walk of KIP-279);
   * - fE == E: truncate to min(fO, O, LEO), done;
   * - no local epoch <= E: truncate to min(O, LEO), done.
   */
  truncationFor(diverging: EpochEndOffset, log: PartitionLogView): FollowerFetchOutcome {
    const logEndOffset = log.logEndOffset();
    if (diverging.endOffset < 0) return { kind: "truncate", truncateTo: this.fetchOffsetValue, complete: true };
    const local = log.endOffsetForEpoch(diverging.epoch);
    if (local === undefined) {
      return { kind: "truncate", truncateTo: minOffset(diverging.endOffset, logEndOffset), complete: true };
    }
    if (local.epoch !== diverging.epoch) {
      return { kind: "truncate", truncateTo: minOffset(local.endOffset, logEndOffset), complete: false };
    }
    return { kind: "truncate", truncateTo: minOffset(minOffset(local.endOffset, diverging.endOffset), logEndOffset), complete: true };
  }

  /**
   * After an append as follower (Kafka: ReplicaFetcherThread.processPartitionData): the HW
   * becomes min(leader HW, LEO) (clamped into [log start, LEO]), and the log start offset rises
   * to the leader's. Returns the log start offset the shell should raise the log to, if any.
   */
  onAppended(response: LeaderFetchResponse, log: PartitionLogView): { raiseLogStartOffsetTo: Offset | undefined } {
    const logEndOffset = log.logEndOffset();
    assert(logEndOffset >= this.fetchOffsetValue, "an append moved the LEO backwards");
    this.fetchOffsetValue = logEndOffset;
    this.highWatermarkValue = clampOffset(response.highWatermark, log.logStartOffset(), logEndOffset);
    const raise = response.logStartOffset > log.logStartOffset() ? minOffset(response.logStartOffset, this.highWatermarkValue) : undefined;
    return { raiseLogStartOffsetTo: raise !== undefined && raise > log.logStartOffset() ? raise : undefined };
  }

  /** After the shell truncated (or restarted) the log: fetch from the new LEO; the HW never exceeds it. */
  onTruncated(log: PartitionLogView): void {
    const logEndOffset = log.logEndOffset();
    this.fetchOffsetValue = logEndOffset;
    this.highWatermarkValue = clampOffset(this.highWatermarkValue, log.logStartOffset(), logEndOffset);
  }

  /** After the shell raised the log start offset. */
  onLogStartOffsetRaised(log: PartitionLogView): void {
    this.onTruncated(log);
  }

  /** A consumer reading from this follower (KIP-392): below the follower's own HW only. */
  handleConsumerFetch(request: ConsumerFetchRequest, log: PartitionLogView): ConsumerFetchResult {
    return checkConsumerFetch(request, this.leaderEpoch, this.highWatermarkValue, log);
  }

  /**
   * Kafka: AbstractFetcherThread.fetchOffsetAndTruncate (§4.5), given the leader's LEO and log start
   * offset. A leader behind us (only after an unclean election) makes us truncate to its LEO;
   * Kafka accepts that the logs may then mismatch. A leader whose log starts past our LEO makes
   * us start over there. Otherwise we keep our log and fetch again.
   */
  handleOutOfRange(leaderLogEndOffset: Offset, leaderLogStartOffset: Offset, log: PartitionLogView): FollowerFetchOutcome {
    const logEndOffset = log.logEndOffset();
    if (leaderLogEndOffset < logEndOffset) return { kind: "truncate", truncateTo: leaderLogEndOffset, complete: true };
    if (leaderLogStartOffset > logEndOffset) return { kind: "truncate-fully", startAt: leaderLogStartOffset };
    return { kind: "ignore", reason: "our LEO is inside the leader's log again: fetch again" };
  }
}

function minOffset(a: Offset, b: Offset): Offset {
  return a <= b ? a : b;
}

function clampOffset(value: Offset, low: Offset, high: Offset): Offset {
  return value < low ? low : value > high ? high : value;
}
