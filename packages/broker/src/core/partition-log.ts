// The partition core's read-only view of a local log. The core never reads or writes records:
// it asks this view for offsets and epochs, decides, and tells its caller what to do (append,
// truncate, assign an epoch start). The broker shell implements the view over @replog/storage;
// the simulator and the tests over `MemoryPartitionLog`.

import { NO_EPOCH, UNDEFINED_OFFSET, type LeaderEpoch, type Offset } from "@replog/common";

/** An `(epoch, endOffset)` pair: a `divergingEpoch`, or an answer of `endOffsetForEpoch`. */
export interface EpochEndOffset {
  readonly epoch: LeaderEpoch;
  readonly endOffset: Offset;
}

/** One line of the leader-epoch cache: `epoch` was first written at `startOffset` (§4.2). */
export interface EpochEntry {
  readonly epoch: LeaderEpoch;
  readonly startOffset: Offset;
}

export interface PartitionLogView {
  /** First offset still in the log. */
  logStartOffset(): Offset;
  /** LEO: the next offset to be appended (exclusive end). */
  logEndOffset(): Offset;
  /** The latest epoch in the leader-epoch cache, or undefined when the cache is empty. */
  latestEpoch(): LeaderEpoch | undefined;
  /**
   * Kafka `UnifiedLog.endOffsetForEpoch`: the largest cached epoch `<=` the requested one with its
   * exclusive end offset, computed as `LeaderEpochFileCache.endOffsetFor` does (see
   * `epochEndOffset` below), or undefined where Kafka answers `UNDEFINED_EPOCH_OFFSET`.
   */
  endOffsetForEpoch(epoch: LeaderEpoch): EpochEndOffset | undefined;
}

/**
 * Kafka `LeaderEpochFileCache.endOffsetFor(requestedEpoch, logEndOffset)` (§4.2) over the cache
 * entries (strictly increasing in both epoch and start offset), mapped to undefined where Kafka
 * returns `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`. Shared by every `PartitionLogView`.
 */
export function epochEndOffset(
  entries: readonly EpochEntry[],
  requestedEpoch: LeaderEpoch,
  logEndOffset: Offset,
): EpochEndOffset | undefined {
  if (requestedEpoch === NO_EPOCH || requestedEpoch < 0) return undefined;
  const latest = entries[entries.length - 1];
  // The latest epoch is the one still being written to: its end is the LEO.
  if (latest !== undefined && latest.epoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
  const higherIndex = entries.findIndex((entry) => entry.epoch > requestedEpoch);
  // No epoch above the requested one: Kafka says this should not happen and answers undefined.
  if (higherIndex < 0) return undefined;
  const higher = entries[higherIndex]!;
  // Below every cached epoch: the requested epoch ends where the first known one starts.
  if (higherIndex === 0) return { epoch: requestedEpoch, endOffset: higher.startOffset };
  const floor = entries[higherIndex - 1]!;
  return { epoch: floor.epoch, endOffset: higher.startOffset };
}

/** Kafka's `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`, for wire fields that need a value. */
export const UNDEFINED_EPOCH_END_OFFSET: EpochEndOffset = { epoch: NO_EPOCH, endOffset: UNDEFINED_OFFSET };
