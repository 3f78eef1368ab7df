// fast-check arbitraries for record batches, shared by the property tests of this package.
import fc from "fast-check";
import { isCompressionSupported, type CompressionType } from "../compression.js";
import type { RecordBatchInput, RecordInput } from "../record-batch-builder.js";

const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

export const arbitraryRecord: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytes(40), { nil: null }),
  value: fc.option(bytes(300), { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ unit: "binary", maxLength: 12 }), value: fc.option(bytes(20), { nil: null }) }), { maxLength: 3 }),
  timestamp: fc.integer({ min: -1, max: 2 ** 45 }),
});

/** Every compression type this process supports (none and gzip always; lz4/zstd if loaded). */
export const supportedCompressions: CompressionType[] = (["none", "gzip", "lz4", "zstd"] as const).filter((c) => isCompressionSupported(c));

export const arbitraryBatchInput: fc.Arbitrary<RecordBatchInput> = fc.record({
  baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 0x7fffffff }),
  producerId: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
  producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
  baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
  isTransactional: fc.boolean(),
  isControl: fc.boolean(),
  compression: fc.constantFrom(...supportedCompressions),
  timestampType: fc.constantFrom("CreateTime" as const, "LogAppendTime" as const),
  records: fc.array(arbitraryRecord, { minLength: 1, maxLength: 20 }),
});
