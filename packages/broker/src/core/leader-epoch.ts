// Leader-epoch validation shared by every request path that names the epoch it believes is
// current (fetch from followers and consumers, OffsetsForLeaderEpoch, and later produce).

import type { LeaderEpoch } from "@replog/common";
import type { PartitionError } from "./partition-error.js";

/**
 * Kafka: Partition.checkCurrentLeaderEpoch (§1.3 step 1). An epoch older than ours means the
 * sender talks to a leadership that has ended (`FENCED_LEADER_EPOCH`); a newer one means our
 * metadata is behind (`UNKNOWN_LEADER_EPOCH`, the sender retries). A negative epoch (-1) means
 * the request carries none, and the check is skipped.
 */
export function validateCurrentLeaderEpoch(requestEpoch: LeaderEpoch | undefined, localEpoch: LeaderEpoch): PartitionError | undefined {
  if (requestEpoch === undefined || requestEpoch < 0) return undefined;
  if (requestEpoch < localEpoch) return "FENCED_LEADER_EPOCH";
  if (requestEpoch > localEpoch) return "UNKNOWN_LEADER_EPOCH";
  return undefined;
}
