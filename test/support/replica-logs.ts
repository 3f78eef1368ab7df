// Every replica's copy of a partition, read from its segment files (read-only: the log files are
// appended to in place, so a reader sees whole batches up to some point and perhaps a torn tail,
// which it stops at). Tests compare replicas below the high watermark with this, the check Kafka's
// own system tests make after failovers: below the HW every replica holds the same batches.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { batchesIn } from "@replog/protocol";

/** One line per batch: offsets, the leader epoch that wrote it, and its CRC (which covers the records). */
export function batchSignatures(dataDir: string, topic: string, partition: number): string[] {
  const dir = join(dataDir, `${topic}-${partition}`);
  if (!existsSync(dir)) return [];
  const segments = readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
  return segments.flatMap((f) => [...batchesIn(readFileSync(join(dir, f)))].map(({ header: h }) => `${h.baseOffset}-${h.lastOffset}@${h.partitionLeaderEpoch}#${h.crc}`));
}

/** The batches wholly below `highWatermark`, or undefined while this replica has not reached it yet. */
export function batchesBelow(signatures: readonly string[], highWatermark: number): string[] | undefined {
  const last = (s: string) => Number(s.slice(s.indexOf("-") + 1, s.indexOf("@")));
  const below = signatures.filter((s) => last(s) < highWatermark);
  const reached = highWatermark === 0 || below.some((s) => last(s) === highWatermark - 1);
  return reached ? below : undefined;
}
