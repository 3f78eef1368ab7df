// Bad input on the append paths: each case is a typed Kafka error, nothing is appended, the
// caller's buffer is not patched, and the log on disk is unchanged (checked after a reopen that
// recovers every segment).
import { describe, expect, it } from "vitest";
import { ManualClock, leaderEpoch } from "@replog/common";
import { CorruptRecordError, InvalidRecordError, KafkaError, RecordTooLargeError } from "@replog/protocol";
import { Log } from "./log.js";
import { logConfig } from "./log-config.js";
import { UnexpectedAppendOffsetError } from "./log-errors.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { readAll, testBatch } from "./test-support/batches.js";

const DIR = "/data/t-0";

async function logWithThreeBatches() {
  const clock = new ManualClock();
  const io = new MemoryFileIO();
  const config = logConfig({ "max.message.bytes": "2000" });
  const log = await Log.open(DIR, config, { clock, io });
  for (let i = 0; i < 3; i++) await log.appendAsLeader(testBatch({ records: 2, tag: i }), leaderEpoch(1));
  return { clock, io, config, log, before: await readAll(log) };
}

type Bad = { name: string; bytes: () => Buffer; error: new (...args: never[]) => KafkaError; type: string };

function withByte(buf: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(buf);
  copy[at] = value;
  return copy;
}
function withInt32(buf: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(buf);
  copy.writeInt32BE(value, at);
  return copy;
}

const good = (): Buffer => testBatch({ records: 3, tag: 7 });
const BAD_INPUTS: Bad[] = [
  { name: "a CRC-corrupt batch", bytes: () => withByte(good(), 70, good()[70]! ^ 0x01), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a corrupt stored CRC", bytes: () => withByte(good(), 18, good()[18]! ^ 0x80), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a batch over max.message.bytes", bytes: () => testBatch({ records: 3, valueBytes: 1000 }), error: RecordTooLargeError, type: "MESSAGE_TOO_LARGE" },
  { name: "wrong magic", bytes: () => withByte(good(), 16, 1), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a negative length", bytes: () => withInt32(good(), 8, -5), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a length below the header size", bytes: () => withInt32(good(), 8, 20), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "an overflowing length", bytes: () => withInt32(good(), 8, 0x7fffffff), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a length past the end", bytes: () => withInt32(good(), 8, good().length), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a batch cut short", bytes: () => good().subarray(0, 40), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a good batch followed by a corrupt one", bytes: () => Buffer.concat([good(), withByte(good(), 70, 0)]), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "a good batch followed by stray bytes", bytes: () => Buffer.concat([good(), Buffer.from([1, 2, 3])]), error: CorruptRecordError, type: "CORRUPT_MESSAGE" },
  { name: "nothing at all", bytes: () => Buffer.alloc(0), error: InvalidRecordError, type: "INVALID_RECORD" },
];

async function expectUnchanged(ctx: Awaited<ReturnType<typeof logWithThreeBatches>>): Promise<void> {
  expect(ctx.log.logEndOffset).toBe(6);
  expect(await readAll(ctx.log)).toEqual(ctx.before);
  // Still appendable, and a full recovery from disk finds exactly the good batches.
  await ctx.log.appendAsLeader(testBatch({ tag: 9 }), leaderEpoch(1));
  await ctx.log.close();
  const reopened = await Log.open(DIR, ctx.config, { clock: ctx.clock, io: ctx.io.restart(), recoveryPoint: 0 });
  const after = await readAll(reopened);
  expect(after.slice(0, 3)).toEqual(ctx.before);
  expect(after.map((b) => b.baseOffset)).toEqual([0, 2, 4, 6]);
  await reopened.close();
}

describe("bad input on append", () => {
  for (const bad of BAD_INPUTS) {
    it(`leader: ${bad.name} is ${bad.type}, nothing appended or patched`, async () => {
      const ctx = await logWithThreeBatches();
      const input = bad.bytes();
      const copy = Buffer.from(input);
      const err = await ctx.log.appendAsLeader(input, leaderEpoch(2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(bad.error);
      expect((err as KafkaError).type).toBe(bad.type);
      expect(input.equals(copy)).toBe(true);
      expect(ctx.log.epochs.describe()).toBe("[1@0]");
      await expectUnchanged(ctx);
    });

    it(`follower: ${bad.name} is ${bad.type}, nothing appended`, async () => {
      const ctx = await logWithThreeBatches();
      const err = await ctx.log.appendAsFollower(bad.bytes()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(bad.error);
      expect((err as KafkaError).type).toBe(bad.type);
      await expectUnchanged(ctx);
    });
  }

  it("follower: a batch below the log end offset is UnexpectedAppendOffsetError (INVALID_RECORD)", async () => {
    const ctx = await logWithThreeBatches();
    const err = await ctx.log.appendAsFollower(testBatch({ baseOffset: 5, epoch: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedAppendOffsetError);
    expect(err).toMatchObject({ type: "INVALID_RECORD", code: 87, firstOffset: 5, logEndOffset: 6 });
    await expectUnchanged(ctx);
  });

  it("follower: batches whose offsets do not increase are refused whole", async () => {
    const ctx = await logWithThreeBatches();
    const batches = Buffer.concat([testBatch({ baseOffset: 6, records: 3, epoch: 1 }), testBatch({ baseOffset: 8, epoch: 1 })]);
    const err = await ctx.log.appendAsFollower(batches).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedAppendOffsetError);
    expect((err as Error).message).toMatch(/not after offset 8/);
    await expectUnchanged(ctx);
  });

  it("an append larger than max.message.bytes in total is fine when each batch fits", async () => {
    const ctx = await logWithThreeBatches();
    const many = Buffer.concat(Array.from({ length: 5 }, (_, i) => testBatch({ records: 2, valueBytes: 300, tag: i })));
    expect(many.length).toBeGreaterThan(2000);
    expect((await ctx.log.appendAsLeader(many, leaderEpoch(1))).lastOffset).toBe(15);
    await ctx.log.close();
  });
});
