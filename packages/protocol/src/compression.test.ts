import { describe, expect, it } from "vitest";
import { setMaxTimestamp, validateBatch } from "./batch-header.js";
import { compress, decompress, isCompressionSupported } from "./compression.js";
import { CorruptRecordError, UnsupportedCompressionTypeError } from "./kafka-errors.js";
import { encodeRecordBatch } from "./record-batch-builder.js";
import { decodeRecords } from "./record-batch-decoder.js";
import { ATTRIBUTES_OFFSET } from "./record-batch-layout.js";

const records = Array.from({ length: 40 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(200, i % 3), timestamp: 1_000 + i }));

describe("lz4", () => {
  it("is supported on this platform (lz4-napi ships a linux x64 binary)", () => {
    expect(isCompressionSupported("lz4")).toBe(true);
  });

  it("round-trips a batch and compresses it", () => {
    const buf = encodeRecordBatch({ compression: "lz4", records });
    expect(validateBatch(buf).compression).toBe("lz4");
    expect(buf.length).toBeLessThan(40 * 200);
    expect(decodeRecords(buf).map((r) => r.value)).toEqual(records.map((r) => r.value));
  });

  it("writes the LZ4 frame header Kafka reads: magic, version 1, independent blocks, no checksums", () => {
    const frame = compress("lz4", Buffer.from("hello hello hello"));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]! & 0xf0).toBe(0x60);
  });

  it("reads a frame shaped as Kafka's Lz4BlockOutputStream writes it", () => {
    // Magic, FLG 0x60 (version 1, independent blocks), BD 0x40 (64 KiB blocks), header checksum
    // 0x82; one block stored uncompressed (high bit of its size set); end mark.
    const payload = Buffer.from("kafka lz4 frame");
    const blockSize = Buffer.alloc(4);
    blockSize.writeUInt32LE((0x80000000 | payload.length) >>> 0);
    const frame = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]), blockSize, payload, Buffer.alloc(4)]);
    expect(decompress("lz4", frame)).toEqual(payload);
  });

  it("turns a malformed frame into a CorruptRecordError", () => {
    expect(() => decompress("lz4", Buffer.from("not an lz4 frame"))).toThrow(CorruptRecordError);
  });
});

describe("gzip", () => {
  it("refuses output beyond the bound as corrupt", () => {
    const bomb = compress("gzip", Buffer.alloc(1 << 20));
    expect(() => decompress("gzip", bomb, 1000)).toThrow(CorruptRecordError);
  });
});

describe("unsupported codecs", () => {
  it.each(["zstd", "snappy"] as const)("%s: encoding is UNSUPPORTED_COMPRESSION_TYPE (76)", (type) => {
    expect(isCompressionSupported(type)).toBe(false);
    expect(() => encodeRecordBatch({ compression: type, records })).toThrow(UnsupportedCompressionTypeError);
  });

  it.each([
    ["snappy", 2],
    ["zstd", 4],
  ] as const)("%s: a batch passes validation (brokers do not decompress) but decoding is typed", (type, code) => {
    const buf = encodeRecordBatch({ records });
    buf.writeInt16BE(code, ATTRIBUTES_OFFSET);
    setMaxTimestamp(buf, 0, "CreateTime", 1_039); // Recomputes the CRC over the new attributes.
    expect(validateBatch(buf).compression).toBe(type);
    expect(() => decodeRecords(buf)).toThrow(UnsupportedCompressionTypeError);
  });
});
