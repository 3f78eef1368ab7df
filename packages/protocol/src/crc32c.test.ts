import { describe, expect, it } from "vitest";
import { CRC32C_IMPLEMENTATION, crc32c, crc32cJs, nativeCrc32cImplementations } from "./crc32c.js";

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

const implementations: Array<[string, (data: Uint8Array, initial?: number) => number]> = [
  ["crc32c (exported)", crc32c],
  ["crc32cJs (fallback)", crc32cJs],
  ...nativeCrc32cImplementations().map(({ name, fn }): [string, typeof fn] => [`native ${name}`, fn]),
];

describe.each(implementations)("%s", (_name, fn) => {
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
  it("uses the fastest native binary on this platform (linux x64 has prebuilt ones)", () => {
    // On a platform without either prebuilt binary this is "js" and still correct.
    expect(["aws-crt", "@node-rs/crc32", "js"]).toContain(CRC32C_IMPLEMENTATION);
    if (process.platform === "linux" && process.arch === "x64") {
      expect(CRC32C_IMPLEMENTATION).toBe("aws-crt");
      expect(nativeCrc32cImplementations().map((i) => i.name)).toEqual(["aws-crt", "@node-rs/crc32"]);
    }
  });

  it("gives the same answer from every implementation on every length and alignment up to 300 bytes", () => {
    // Folding implementations take different paths for short tails and unaligned starts.
    const data = Buffer.from(Array.from({ length: 4096 + 300 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff));
    const all = [crc32cJs, ...nativeCrc32cImplementations().map((i) => i.fn)];
    for (let start = 0; start < 16; start++) {
      for (let length = 0; length <= 300; length++) {
        const view = data.subarray(start, start + length);
        const expected = crc32cJs(view);
        for (const fn of all) expect(fn(view)).toBe(expected);
      }
    }
    const large = data.subarray(3);
    for (const fn of all) expect(fn(large)).toBe(crc32cJs(large));
  });
});
