// Record batches for storage tests, built with the real RecordBatch v2 encoder.
import { encodeRecordBatch, batchesIn } from "@replog/protocol";
import type { Log } from "../log.js";

export interface TestBatchOptions {
  readonly records?: number;
  readonly valueBytes?: number;
  readonly timestamp?: number;
  readonly baseOffset?: number;
  readonly epoch?: number;
  /** Distinguishes the content of otherwise equal batches. */
  readonly tag?: number;
  readonly key?: (i: number) => string | null;
}

export function testBatch(options: TestBatchOptions = {}): Buffer {
  const count = options.records ?? 1;
  const size = options.valueBytes ?? 10;
  const tag = options.tag ?? 0;
  const timestamp = options.timestamp ?? 1_700_000_000_000;
  const records = Array.from({ length: count }, (_, i) => {
    const key = options.key?.(i);
    return {
      key: key === undefined || key === null ? null : Buffer.from(key),
      value: Buffer.alloc(size, `${tag}:${i};`),
      timestamp: timestamp + i,
    };
  });
  return encodeRecordBatch({ records, baseOffset: options.baseOffset ?? 0, partitionLeaderEpoch: options.epoch ?? -1 });
}

export interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly bytes: Buffer;
}

/** Splits concatenated batches into copies with their offsets. */
export function splitBatches(buf: Buffer): StoredBatch[] {
  const out: StoredBatch[] = [];
  for (const { pos, header } of batchesIn(buf)) {
    out.push({
      baseOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      epoch: header.partitionLeaderEpoch,
      bytes: Buffer.from(buf.subarray(pos, pos + header.sizeInBytes)),
    });
  }
  return out;
}

/** Every batch of the log from its start offset, read through the public read path. */
export async function readAll(log: Log, maxBytes = 4096): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  let next = log.logStartOffset as number;
  while (next < log.logEndOffset) {
    const { records } = await log.read(next, maxBytes);
    const batches = splitBatches(records);
    if (batches.length === 0) break;
    out.push(...batches);
    next = batches[batches.length - 1]!.lastOffset + 1;
  }
  return out;
}
