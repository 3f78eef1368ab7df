import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  it("pops in time order, and equal times in insertion order", () => {
    const q = new EventQueue<string>();
    q.push(5, "c");
    q.push(1, "a");
    q.push(5, "d");
    q.push(3, "b");
    q.push(1, "a2");
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(`${e.atMs}:${e.event}`);
    expect(out).toEqual(["1:a", "1:a2", "3:b", "5:c", "5:d"]);
  });

  it("agrees with a stable sort for any sequence of pushes and pops", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 200 }), (ops) => {
        const q = new EventQueue<number>();
        const model: { atMs: number; id: number }[] = [];
        let id = 0;
        for (const op of ops) {
          if (op >= 0) {
            q.push(op, id);
            model.push({ atMs: op, id: id++ });
            continue;
          }
          model.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
          const expected = model.shift();
          const got = q.pop();
          expect(got === undefined ? undefined : { atMs: got.atMs, id: got.event }).toEqual(expected);
        }
        expect(q.size).toBe(model.length);
      }),
    );
  });

  it("refuses events in the past of time zero and beyond its bound", () => {
    const q = new EventQueue<number>(2);
    expect(() => q.push(-1, 0)).toThrow(/>= 0/);
    q.push(0, 0);
    q.push(0, 1);
    expect(() => q.push(0, 2)).toThrow(/bound/);
  });
});
