// Compression codecs of RecordBatch v2 (attribute bits 0-2). Kafka compresses the whole records
// section of a batch (everything after the 61-byte header) as one unit.
//
// - gzip (1): node:zlib, the gzip stream format as Java's GZIPOutputStream writes it.
// - snappy (2): unsupported here (typed UNSUPPORTED_COMPRESSION_TYPE); Kafka's xerial framing
//   would need a native or hand-written codec and nothing in replog needs it.
// - lz4 (3): lz4-napi, LZ4 frame format (see `optional-codecs.ts`).
// - zstd (4): unsupported (typed error); `optional-codecs.ts` says why.
import { gunzipSync, gzipSync } from "node:zlib";
import { CorruptRecordError, UnsupportedCompressionTypeError } from "./kafka-errors.js";
import { optionalCodec } from "./optional-codecs.js";

export type CompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** Attribute code of each compression type (Kafka `CompressionType.id`). */
export const COMPRESSION_CODES: Readonly<Record<CompressionType, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
});

const TYPE_BY_CODE: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Compression type for an attribute code; codes 5-7 are corrupt (Kafka rejects them as well). */
export function compressionFromCode(code: number): CompressionType {
  const type = TYPE_BY_CODE[code];
  if (type === undefined) throw new CorruptRecordError(`unknown compression codec ${code} in batch attributes`);
  return type;
}

/** Default bound on the decompressed size of one batch, against decompression bombs. */
export const DECOMPRESSED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** Whether this process can compress and decompress `type`. */
export function isCompressionSupported(type: CompressionType): boolean {
  if (type === "none" || type === "gzip") return true;
  if (type === "snappy") return false;
  return optionalCodec(type) !== undefined;
}

/** Compresses a records section with `type` ("none" returns the input). */
export function compress(type: CompressionType, data: Uint8Array): Buffer {
  switch (type) {
    case "none":
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case "gzip":
      // zlib's default level (6), as Java's GZIPOutputStream uses Deflater.DEFAULT_COMPRESSION.
      return gzipSync(data);
    default: {
      const codec = type === "snappy" ? undefined : optionalCodec(type);
      if (codec === undefined) throw new UnsupportedCompressionTypeError(`compression type ${type} is not supported by this build`);
      return codec.compress(data);
    }
  }
}

/**
 * Decompresses a records section. Malformed compressed data is a CorruptRecordError (it passed
 * the CRC, so the producer wrote it that way); output beyond `maxBytes` is refused the same way.
 */
export function decompress(type: CompressionType, data: Uint8Array, maxBytes = DECOMPRESSED_BYTES_MAX_DEFAULT): Buffer {
  if (type === "none") return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const codec = type === "gzip" ? undefined : type === "snappy" ? undefined : optionalCodec(type);
  if (type !== "gzip" && codec === undefined) {
    throw new UnsupportedCompressionTypeError(`compression type ${type} is not supported by this build`);
  }
  let out: Buffer;
  try {
    out = type === "gzip" ? gunzipSync(data, { maxOutputLength: maxBytes }) : codec!.decompress(data, maxBytes);
  } catch (error) {
    if (error instanceof CorruptRecordError) throw error;
    const code = (error as { code?: unknown }).code;
    const what = code === "ERR_BUFFER_TOO_LARGE" ? `exceeds ${maxBytes} bytes` : "is malformed";
    throw new CorruptRecordError(`${type}-compressed records section ${what}`, { cause: error });
  }
  if (out.length > maxBytes) throw new CorruptRecordError(`${type}-compressed records section exceeds ${maxBytes} bytes`);
  return out;
}
