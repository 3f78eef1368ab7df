// Variable-length zigzag integers as Kafka's RecordBatch v2 records use them (Kafka
// `ByteUtils.writeVarint` / `writeVarlong`, the protobuf encoding): a signed value is zigzag-mapped
// to an unsigned one (0, -1, 1, -2 … → 0, 1, 2, 3 …) and written 7 bits per byte, low bits first,
// with the high bit set on every byte but the last.
//
// Varints are 32-bit. Varlongs are 64-bit on the wire; here they are JS numbers, so a varlong is
// limited to |v| ≤ 2^52 (its zigzag form then stays an exact double). Record timestamp deltas are
// the only varlongs in a batch, and they are far inside that range.
import { CorruptRecordError } from "./kafka-errors.js";

/** A read position that decoding functions advance, so that they allocate nothing per field. */
export interface Cursor {
  pos: number;
}

/** Largest magnitude a varlong may have here (see the file header). */
export const VARLONG_MAX_ABS = 2 ** 52;

/** Zigzag-maps a signed 32-bit integer to its unsigned form. */
export function zigzagEncode32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Inverse of zigzagEncode32. */
export function zigzagDecode32(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}

/** Bytes that `writeVarint(value)` takes (1 to 5). */
export function sizeOfVarint(value: number): number {
  const z = zigzagEncode32(value);
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  if (z < 0x10000000) return 4;
  return 5;
}

/** Writes a zigzag varint at `pos` and returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let z = zigzagEncode32(value);
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/** Reads a zigzag varint at `cursor.pos` and advances it; a malformed or truncated one is corrupt. */
export function readVarint(buf: Uint8Array, cursor: Cursor, end: number = buf.length): number {
  let pos = cursor.pos;
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw new CorruptRecordError(`varint runs past the end of the data at ${cursor.pos}`);
    const b = buf[pos++]!;
    if (shift === 28 && b > 0x0f) throw new CorruptRecordError(`varint at ${cursor.pos} overflows 32 bits`);
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor.pos = pos;
      return zigzagDecode32(result >>> 0);
    }
  }
  throw new CorruptRecordError(`varint at ${cursor.pos} is longer than 5 bytes`);
}

function zigzagEncode64(value: number): number {
  if (!Number.isInteger(value) || Math.abs(value) > VARLONG_MAX_ABS) {
    throw new RangeError(`varlong value ${value} is not an integer within ±2^52`);
  }
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes that `writeVarlong(value)` takes. */
export function sizeOfVarlong(value: number): number {
  if ((value | 0) === value) return sizeOfVarint(value);
  let z = zigzagEncode64(value);
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

/** Writes a zigzag varlong at `pos` and returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) === value) return writeVarint(buf, pos, value);
  let z = zigzagEncode64(value);
  while (z >= 0x80) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** Reads a zigzag varlong at `cursor.pos` and advances it; one beyond ±2^52 is treated as corrupt. */
export function readVarlong(buf: Uint8Array, cursor: Cursor, end: number = buf.length): number {
  let pos = cursor.pos;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new CorruptRecordError(`varlong runs past the end of the data at ${cursor.pos}`);
    const b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (result > 2 * VARLONG_MAX_ABS) throw new CorruptRecordError(`varlong at ${cursor.pos} is beyond ±2^52`);
      cursor.pos = pos;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 128;
  }
  throw new CorruptRecordError(`varlong at ${cursor.pos} is longer than 10 bytes`);
}
