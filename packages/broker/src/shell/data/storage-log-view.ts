// The partition core's read-only view (PartitionLogView) over a @replog/storage Log.
import type { LeaderEpoch, Offset } from "@replog/common";
import type { Log } from "@replog/storage";
import type { EpochEndOffset, PartitionLogView } from "../../core/index.js";

export function logView(log: Log): PartitionLogView {
  return {
    logStartOffset: () => log.logStartOffset,
    logEndOffset: () => log.logEndOffset,
    latestEpoch: () => log.epochs.latestEpoch(),
    endOffsetForEpoch: (epoch: LeaderEpoch): EpochEndOffset | undefined => {
      const r = log.endOffsetForEpoch(epoch);
      return r.epoch < 0 || r.endOffset < 0 ? undefined : { epoch: r.epoch as LeaderEpoch, endOffset: r.endOffset as Offset };
    },
  };
}
