// Stable one-line text renderings of batch headers, for logs, traces, test transcripts and the
// CLI's log dumps (STYLE.md: `describeX`). The order and spelling of fields never change without
// updating the transcripts that contain them.
import type { BatchHeader } from "./batch-header.js";

/**
 * One line per batch, e.g.
 * `offsets 0..2 count 3 epoch 5 size 120 crc 0x1a2b3c4d none CreateTime ts 1000..1020 pid 7 pepoch 0 seq 0`
 * plus ` txn` and ` control` when those flags are set.
 */
export function describeBatchHeader(h: BatchHeader): string {
  const flags = `${h.isTransactional ? " txn" : ""}${h.isControl ? " control" : ""}`;
  return (
    `offsets ${h.baseOffset}..${h.lastOffset} count ${h.recordCount} epoch ${h.partitionLeaderEpoch} size ${h.sizeInBytes} ` +
    `crc 0x${h.crc.toString(16).padStart(8, "0")} ${h.compression} ${h.timestampType} ts ${h.baseTimestamp}..${h.maxTimestamp} ` +
    `pid ${h.producerId} pepoch ${h.producerEpoch} seq ${h.baseSequence}${flags}`
  );
}
