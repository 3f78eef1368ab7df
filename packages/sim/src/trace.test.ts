import { describe, expect, it } from "vitest";
import { Trace, describeTimeMs } from "./trace.js";

describe("Trace", () => {
  it("keeps every line in full mode and the last lines otherwise, with the same hash", () => {
    const full = new Trace(true);
    const tail = new Trace(false, 3);
    for (let i = 0; i < 10; i++) {
      full.add(`line ${i}`);
      tail.add(`line ${i}`);
    }
    expect(full.text().split("\n").filter(Boolean)).toHaveLength(10);
    expect(tail.text()).toBe("line 7\nline 8\nline 9\n");
    expect(tail.tail(2)).toBe("line 8\nline 9");
    expect(full.hash()).toBe(tail.hash());
    expect(full.lineCount).toBe(10);
  });

  it("hashes line boundaries, not just characters", () => {
    const a = new Trace(false);
    a.add("ab");
    a.add("c");
    const b = new Trace(false);
    b.add("a");
    b.add("bc");
    expect(a.hash()).not.toBe(b.hash());
  });

  it("renders virtual time in a fixed width", () => {
    expect(describeTimeMs(0)).toBe("   0.000");
    expect(describeTimeMs(12345)).toBe("  12.345");
  });
});
