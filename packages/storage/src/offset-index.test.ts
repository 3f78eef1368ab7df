import { describe, expect, it } from "vitest";
import { MemoryFileIO } from "./memory-file-io.js";
import { OffsetIndex } from "./offset-index.js";
import { TimeIndex } from "./time-index.js";

async function fresh(maxBytes = 80) {
  const io = new MemoryFileIO();
  await io.mkdir("/s");
  const index = new OffsetIndex(io, "/s/00000000000000000100.index", 100, maxBytes);
  await index.create();
  return { io, index };
}

describe("OffsetIndex (8-byte entries, Kafka's sparse index)", () => {
  it("is preallocated while active, trimmed on roll, and finds the floor entry", async () => {
    const { io, index } = await fresh();
    expect((await io.stat(index.path))!.size).toBe(80);
    index.append(103, 0);
    index.append(110, 500);
    index.append(120, 900);
    expect(index.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(109)).toEqual({ offset: 103, position: 0 });
    expect(index.lookup(110)).toEqual({ offset: 110, position: 500 });
    expect(index.lookup(1000)).toEqual({ offset: 120, position: 900 });
    expect(() => index.append(119, 1000)).toThrow(RangeError);
    await index.trim();
    expect((await io.readFile(index.path))!).toEqual(Buffer.from([0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1, 244, 0, 0, 0, 20, 0, 0, 3, 132]));
  });

  it("loads an untrimmed file (zeros after the entries) and is full at segment.index.bytes", async () => {
    const { io, index } = await fresh(32);
    index.append(101, 10);
    index.append(102, 20);
    await index.flush();
    const loaded = new OffsetIndex(io, index.path, 100, 32);
    expect(await loaded.load()).toBe(true);
    expect(loaded.entries).toBe(2);
    expect(loaded.isFull()).toBe(false);
    loaded.append(103, 30);
    loaded.append(104, 40);
    expect(loaded.isFull()).toBe(true);
  });

  it("zeroes entries it drops, so a later load cannot see stale ones", async () => {
    const { io, index } = await fresh();
    for (let i = 1; i <= 5; i++) index.append(100 + i * 10, i * 100);
    await index.flush();
    await index.truncateToOffset(130);
    expect(index.entries).toBe(2);
    index.append(125, 250);
    await index.flush();
    const loaded = new OffsetIndex(io, index.path, 100, 80);
    await loaded.load();
    expect(loaded.entries).toBe(3);
    expect(loaded.lastEntry()).toEqual({ offset: 125, position: 250 });
  });

  it("trim writes and cuts without an fsync; the next flush makes it durable, once", async () => {
    // A roll trims on the append path and leaves the fsync to the segment's background flush.
    const { io, index } = await fresh();
    index.append(103, 0);
    await index.flush();
    const afterFirstFlush = io.syncCount;
    index.append(110, 500);
    await index.trim();
    expect(io.syncCount).toBe(afterFirstFlush);
    expect((await io.stat(index.path))!.size).toBe(16);
    await index.flush();
    expect(io.syncCount).toBe(afterFirstFlush + 1);
    await index.flush();
    expect(io.syncCount).toBe(afterFirstFlush + 1);
    await io.syncDir("/s");
    // A crash that keeps nothing beyond what was fsynced.
    const durable = io.crash({ next: () => 0, int: () => 0 });
    const loaded = new OffsetIndex(durable, index.path, 100, 80);
    await loaded.load();
    expect(loaded.entries).toBe(2);
    expect(loaded.lastEntry()).toEqual({ offset: 110, position: 500 });
  });

  it("a missing file loads as missing", async () => {
    const io = new MemoryFileIO();
    expect(await new OffsetIndex(io, "/nope.index", 0, 80).load()).toBe(false);
  });
});

describe("TimeIndex (12-byte entries)", () => {
  it("adds only increasing timestamps and finds the floor entry", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/s");
    const index = new TimeIndex(io, "/s/00000000000000000000.timeindex", 0, 120);
    await index.create();
    index.maybeAppend(1000, 3);
    index.maybeAppend(900, 5);
    index.maybeAppend(-1, 6);
    index.maybeAppend(2000, 9);
    expect(index.entries).toBe(2);
    expect(index.lookup(500)).toEqual({ timestamp: -1, offset: 0 });
    expect(index.lookup(1500)).toEqual({ timestamp: 1000, offset: 3 });
    await index.trim();
    const loaded = new TimeIndex(io, index.path, 0, 120);
    await loaded.load();
    expect(loaded.lastEntry()).toEqual({ timestamp: 2000, offset: 9 });
  });
});
