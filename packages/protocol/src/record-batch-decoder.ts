// Decoding the records of a RecordBatch v2 (Kafka `DefaultRecord.readFrom`). Brokers never call
// this on the hot path (they work on headers only, see batch-header.ts); consumers, tools and
// tests do. The CRC is checked first, so a decoded record is never built from corrupt bytes.
// Keys, values and header values are views (subarrays) on the batch buffer, or on the
// decompressed buffer: copy them to keep them beyond the batch's life.
import { validateBatch, type BatchHeader } from "./batch-header.js";
import { decompress, DECOMPRESSED_BYTES_MAX_DEFAULT } from "./compression.js";
import { CorruptRecordError } from "./kafka-errors.js";
import { BATCH_HEADER_SIZE } from "./record-batch-layout.js";
import { readVarint, readVarlong, type Cursor } from "./varint.js";

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

export interface DecodeOptions {
  /** Bound on the decompressed records section (default 64 MiB). */
  maxDecompressedBytes?: number;
}

function readBytes(data: Buffer, cursor: Cursor, end: number, what: string): Buffer | null {
  const length = readVarint(data, cursor, end);
  if (length === -1) return null;
  const start = cursor.pos;
  if (length < -1 || start + length > end) throw new CorruptRecordError(`${what} length ${length} at ${start} is impossible`);
  cursor.pos = start + length;
  return data.subarray(start, cursor.pos);
}

function readHeaders(data: Buffer, cursor: Cursor, end: number): Array<{ key: string; value: Buffer | null }> {
  const count = readVarint(data, cursor, end);
  if (count < 0 || count > end - cursor.pos) throw new CorruptRecordError(`header count ${count} at ${cursor.pos} is impossible`);
  const headers = new Array<{ key: string; value: Buffer | null }>(count);
  for (let i = 0; i < count; i++) {
    const key = readBytes(data, cursor, end, "header key");
    if (key === null) throw new CorruptRecordError(`null header key at ${cursor.pos}`);
    headers[i] = { key: key.toString("utf8"), value: readBytes(data, cursor, end, "header value") };
  }
  return headers;
}

function readRecord(data: Buffer, cursor: Cursor, end: number, header: BatchHeader): DecodedRecord {
  const length = readVarint(data, cursor, end);
  const recordEnd = cursor.pos + length;
  if (length < 1 || recordEnd > end) throw new CorruptRecordError(`record length ${length} at ${cursor.pos} is impossible`);
  cursor.pos++; // Record attributes: unused in v2, always 0.
  const timestampDelta = readVarlong(data, cursor, recordEnd);
  const offsetDelta = readVarint(data, cursor, recordEnd);
  if (offsetDelta < 0 || offsetDelta > header.lastOffsetDelta) {
    throw new CorruptRecordError(`record offset delta ${offsetDelta} is outside 0..${header.lastOffsetDelta}`);
  }
  const key = readBytes(data, cursor, recordEnd, "key");
  const value = readBytes(data, cursor, recordEnd, "value");
  const headers = readHeaders(data, cursor, recordEnd);
  if (cursor.pos !== recordEnd) throw new CorruptRecordError(`record at ${recordEnd - length} has ${recordEnd - cursor.pos} bytes left over`);
  // Kafka: with LogAppendTime every record reads with the batch's max timestamp.
  const timestamp = header.timestampType === "LogAppendTime" ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
  return { offset: header.baseOffset + offsetDelta, timestamp, key, value, headers };
}

/** The records section of a validated batch, decompressed: the buffer and the range to parse. */
function recordsSection(buf: Buffer, pos: number, header: BatchHeader, options: DecodeOptions): { data: Buffer; start: number; end: number } {
  const start = pos + BATCH_HEADER_SIZE;
  const end = pos + header.sizeInBytes;
  if (header.compression === "none") return { data: buf, start, end };
  const data = decompress(header.compression, buf.subarray(start, end), options.maxDecompressedBytes ?? DECOMPRESSED_BYTES_MAX_DEFAULT);
  return { data, start: 0, end: data.length };
}

/**
 * Iterates the records of the batch at `pos` after validating its header and CRC. Throws
 * CorruptRecordError when a record does not parse or the count disagrees with the header.
 */
export function* recordsIn(buf: Buffer, pos = 0, options: DecodeOptions = {}): Generator<DecodedRecord> {
  const header = validateBatch(buf, pos);
  const { data, start, end } = recordsSection(buf, pos, header, options);
  const cursor: Cursor = { pos: start };
  for (let i = 0; i < header.recordCount; i++) yield readRecord(data, cursor, end, header);
  if (cursor.pos !== end) throw new CorruptRecordError(`batch at ${pos} has ${end - cursor.pos} bytes after its ${header.recordCount} records`);
}

/** Decodes every record of the batch at `pos` (CRC checked first). */
export function decodeRecords(buf: Buffer, pos = 0, options: DecodeOptions = {}): DecodedRecord[] {
  const header = validateBatch(buf, pos);
  const { data, start, end } = recordsSection(buf, pos, header, options);
  const cursor: Cursor = { pos: start };
  const records = new Array<DecodedRecord>(header.recordCount);
  for (let i = 0; i < header.recordCount; i++) records[i] = readRecord(data, cursor, end, header);
  if (cursor.pos !== end) throw new CorruptRecordError(`batch at ${pos} has ${end - cursor.pos} bytes after its ${header.recordCount} records`);
  return records;
}
