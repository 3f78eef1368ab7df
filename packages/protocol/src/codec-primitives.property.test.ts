import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c, crc32cJs } from "./crc32c.js";
import { CorruptRecordError } from "./kafka-errors.js";
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, VARLONG_MAX_ABS, writeVarint, writeVarlong } from "./varint.js";

// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.

describe("crc32c", () => {
  it("native and JS implementations agree, whole and in two pieces", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (data, splitSeed) => {
        const split = data.length === 0 ? 0 : splitSeed % data.length;
        const whole = crc32cJs(data);
        expect(crc32c(data)).toBe(whole);
        expect(crc32c(data.subarray(split), crc32c(data.subarray(0, split)))).toBe(whole);
        expect(crc32cJs(data.subarray(split), crc32cJs(data.subarray(0, split)))).toBe(whole);
      }),
      { numRuns: 500 },
    );
  });
});

describe("varint / varlong", () => {
  it("round-trip any int32 in exactly sizeOfVarint bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        const buf = new Uint8Array(8);
        const end = writeVarint(buf, 1, value);
        expect(end - 1).toBe(sizeOfVarint(value));
        const cursor = { pos: 1 };
        expect(readVarint(buf, cursor)).toBe(value);
        expect(cursor.pos).toBe(end);
      }),
    );
  });

  it("round-trip any integer within ±2^52 in exactly sizeOfVarlong bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -VARLONG_MAX_ABS, max: VARLONG_MAX_ABS }), (value) => {
        const buf = new Uint8Array(12);
        const end = writeVarlong(buf, 0, value);
        expect(end).toBe(sizeOfVarlong(value));
        const cursor = { pos: 0 };
        expect(readVarlong(buf, cursor)).toBe(value);
        expect(cursor.pos).toBe(end);
      }),
    );
  });

  it("read arbitrary bytes as a value or a CorruptRecordError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        for (const read of [readVarint, readVarlong]) {
          try {
            read(bytes, { pos: 0 });
          } catch (error) {
            expect(error).toBeInstanceOf(CorruptRecordError);
          }
        }
      }),
    );
  });
});
