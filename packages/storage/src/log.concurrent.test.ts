// Appends in flight together are written as one group (group commit). Whatever arrives together
// must come out exactly as if each append had been awaited before the next: same offsets, same
// refusals, same bytes, across segment rolls.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ManualClock, leaderEpoch } from "@replog/common";
import { Log } from "./log.js";
import { logConfig } from "./log-config.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { readAll, testBatch } from "./test-support/batches.js";

type Op =
  | { kind: "leader"; batches: number; records: number; epoch: number; valueBytes: number }
  | { kind: "follower"; baseOffset: number; records: number; epoch: number }
  | { kind: "corrupt" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("leader" as const), batches: fc.integer({ min: 1, max: 3 }), records: fc.integer({ min: 1, max: 3 }), epoch: fc.integer({ min: 0, max: 3 }), valueBytes: fc.constantFrom(40, 40, 40, 40, 40, 120_000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("follower" as const), baseOffset: fc.integer({ min: 0, max: 40 }), records: fc.integer({ min: 1, max: 3 }), epoch: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "corrupt" as const }) },
);

function bytesFor(op: Op, i: number): Buffer {
  // Large batches make runs split at APPEND_RUN_BYTES_MAX as well as at segment rolls.
  if (op.kind === "leader") return Buffer.concat(Array.from({ length: op.batches }, (_, j) => testBatch({ records: op.records, valueBytes: op.valueBytes, tag: i * 10 + j })));
  if (op.kind === "follower") return testBatch({ records: op.records, baseOffset: op.baseOffset, epoch: op.epoch, valueBytes: 40, tag: i });
  const b = testBatch({ tag: i });
  b[b.length - 1]! ^= 0xff;
  return b;
}

function run(log: Log, op: Op, bytes: Buffer): Promise<unknown> {
  return op.kind === "leader" ? log.appendAsLeader(bytes, leaderEpoch(op.epoch)) : log.appendAsFollower(bytes);
}

const outcome = (r: PromiseSettledResult<unknown>): unknown =>
  r.status === "fulfilled" ? r.value : { error: (r.reason as { name?: string }).name, type: (r.reason as { type?: string }).type };

describe("group commit", () => {
  it("appends issued together equal the same appends awaited one by one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.constantFrom(300, 900, 1500, 2_000_000), async (ops, segmentBytes) => {
        const config = logConfig({ "segment.bytes": String(segmentBytes) });
        const open = () => Log.open("/d/t-0", config, { clock: new ManualClock(), io: new MemoryFileIO() });
        const inputs = ops.map(bytesFor);
        const one = await open();
        const sequential: PromiseSettledResult<unknown>[] = [];
        for (let i = 0; i < ops.length; i++) {
          sequential.push(...(await Promise.allSettled([run(one, ops[i]!, Buffer.from(inputs[i]!))])));
        }
        const together = await open();
        const concurrent = await Promise.allSettled(ops.map((op, i) => run(together, op, Buffer.from(inputs[i]!))));
        expect(concurrent.map(outcome)).toEqual(sequential.map(outcome));
        // Bytes compared as text: deep equality over large Buffers is slow.
        const render = async (log: Log) => (await readAll(log)).map((b) => `${b.baseOffset}-${b.lastOffset}@${b.epoch}:${b.bytes.toString("base64")}`);
        expect(await render(together)).toEqual(await render(one));
        expect(together.segmentBaseOffsets()).toEqual(one.segmentBaseOffsets());
        expect(together.epochs.describe()).toBe(one.epochs.describe());
      }),
      { numRuns: 40 },
    );
  });
});
