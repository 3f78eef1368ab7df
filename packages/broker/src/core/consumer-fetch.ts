// What a consumer fetch may read (Kafka: Partition.fetchRecords / readRecords with the
// high-watermark isolation): records below the HW only, so a consumer never sees data that a
// leader change could still take back (§1.1). Used by the leader, and by a follower serving
// consumers (KIP-392) with its own HW.

import type { LeaderEpoch, Offset } from "@replog/common";
import { validateCurrentLeaderEpoch } from "./leader-epoch.js";
import type { PartitionError } from "./partition-error.js";
import type { PartitionLogView } from "./partition-log.js";

export interface ConsumerFetchRequest {
  readonly fetchOffset: Offset;
  /** The leader epoch the consumer believes current; -1 skips the check. */
  readonly currentLeaderEpoch: LeaderEpoch;
}

export type ConsumerFetchResult =
  | { readonly kind: "error"; readonly error: PartitionError }
  | {
      readonly kind: "read";
      /** Serve records in `[fetchOffset, readUpTo)`; empty when the consumer is at or past the HW. */
      readonly fetchOffset: Offset;
      readonly readUpTo: Offset;
      readonly highWatermark: Offset;
      readonly logStartOffset: Offset;
    };

/**
 * Epoch check first (§1.3 step 1), then the offset must lie inside `[logStart, LEO]`
 * (`OFFSET_OUT_OF_RANGE` otherwise, as `UnifiedLog.read` answers); an offset between the HW and
 * the LEO is valid and reads nothing until the HW moves.
 */
export function checkConsumerFetch(
  request: ConsumerFetchRequest,
  localLeaderEpoch: LeaderEpoch,
  highWatermark: Offset,
  log: PartitionLogView,
): ConsumerFetchResult {
  const epochError = validateCurrentLeaderEpoch(request.currentLeaderEpoch, localLeaderEpoch);
  if (epochError !== undefined) return { kind: "error", error: epochError };
  const logStartOffset = log.logStartOffset();
  if (request.fetchOffset < logStartOffset || request.fetchOffset > log.logEndOffset()) {
    return { kind: "error", error: "OFFSET_OUT_OF_RANGE" };
  }
  const readUpTo = request.fetchOffset < highWatermark ? highWatermark : request.fetchOffset;
  return { kind: "read", fetchOffset: request.fetchOffset, readUpTo, highWatermark, logStartOffset };
}
