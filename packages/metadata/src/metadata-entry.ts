// What one Raft entry of the metadata log carries: the records of one controller operation, which
// must commit together or not at all (Kafka writes them as one atomic batch). The entry data is the
// records' protobuf encodings, each preceded by its length as a (zigzag) varint, as Kafka frames records.

import { decodeRecord, encodeRecord, type MetadataRecord } from "@replog/metadata";
import { readVarint, sizeOfVarint, writeVarint } from "@replog/protocol";

export function encodeMetadataEntry(records: readonly MetadataRecord[]): Uint8Array {
  const encoded = records.map(encodeRecord);
  const size = encoded.reduce((n, r) => n + sizeOfVarint(r.length) + r.length, 0);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const r of encoded) {
    pos = writeVarint(out, pos, r.length);
    out.set(r, pos);
    pos += r.length;
  }
  return out;
}

/** Throws MetadataRecordDecodeError (CORRUPT_MESSAGE) on bytes that are not a record list. */
export function decodeMetadataEntry(data: Uint8Array): MetadataRecord[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: MetadataRecord[] = [];
  const cursor = { pos: 0 };
  while (cursor.pos < buf.length) {
    const length = readVarint(buf, cursor, buf.length);
    if (length < 0 || cursor.pos + length > buf.length) throw new RangeError(`record length ${length} at ${cursor.pos} overruns the entry`);
    records.push(decodeRecord(buf.subarray(cursor.pos, cursor.pos + length)));
    cursor.pos += length;
  }
  return records;
}
