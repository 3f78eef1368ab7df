import { describe, expect, it } from "vitest";
import { CRC32C_IMPLEMENTATION, crc32c, crc32cJs } from "./crc32c.js";

// Test vectors: the customary check value for "123456789" and the iSCSI vectors of RFC 3720
// appendix B.4 (32 bytes each).
const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
const vectors: Array<[string, Uint8Array, number]> = [
  ["empty", new Uint8Array(0), 0],
  ['"123456789"', Buffer.from("123456789"), 0xe3069283],
  ["32 zero bytes", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes of 0xff", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["32 ascending bytes", ascending, 0x46dd794e],
  ["32 descending bytes", descending, 0x113fdb5c],
];

describe.each([
  ["crc32c (exported)", crc32c],
  ["crc32cJs (fallback)", crc32cJs],
])("%s", (_name, fn) => {
  it.each(vectors)("matches the vector for %s", (_label, data, expected) => {
    expect(fn(data)).toBe(expected);
  });

  it("continues from a previous result", () => {
    const data = Buffer.from("123456789");
    expect(fn(data.subarray(4), fn(data.subarray(0, 4)))).toBe(0xe3069283);
  });

  it("checks a subarray, not the underlying buffer", () => {
    const framed = Buffer.concat([Buffer.from("xx"), Buffer.from("123456789"), Buffer.from("yy")]);
    expect(fn(framed.subarray(2, 11))).toBe(0xe3069283);
  });
});

describe("implementation choice", () => {
  it("uses the native binary on this platform (linux x64 has a prebuilt one)", () => {
    // On a platform without a prebuilt @node-rs/crc32 binary this is "js" and still correct.
    expect(["native", "js"]).toContain(CRC32C_IMPLEMENTATION);
    if (process.platform === "linux" && process.arch === "x64") expect(CRC32C_IMPLEMENTATION).toBe("native");
  });
});
