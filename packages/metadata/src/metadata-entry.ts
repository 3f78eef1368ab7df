// What one Raft entry of the metadata log carries: the records of one controller operation, which
// must commit together or not at all (Kafka writes them as one atomic batch). The entry is the
// records' protobuf encodings, each length-delimited exactly as a protobuf `repeated bytes` field
// would be (a varint length, then the bytes), so the whole entry is readable by protobuf tools too.

import protobuf from "protobufjs/light.js";
import { decodeRecord, encodeRecord, MetadataRecordDecodeError } from "./record-codec.js";
import type { MetadataRecord } from "./records.js";

export function encodeMetadataEntry(records: readonly MetadataRecord[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const r of records) writer.bytes(encodeRecord(r));
  return writer.finish();
}

/** Throws MetadataRecordDecodeError (CORRUPT_MESSAGE) on bytes that are not a record list. */
export function decodeMetadataEntry(data: Uint8Array): MetadataRecord[] {
  const reader = protobuf.Reader.create(data);
  const records: MetadataRecord[] = [];
  while (reader.pos < reader.len) {
    let bytes: Uint8Array;
    try {
      bytes = reader.bytes();
    } catch (e) {
      throw new MetadataRecordDecodeError(`metadata entry: record ${records.length} overruns the entry (${(e as Error).message})`);
    }
    records.push(decodeRecord(bytes));
  }
  return records;
}
