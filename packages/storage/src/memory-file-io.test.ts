import { describe, expect, it } from "vitest";
import { SeededRandom } from "@replog/common";
import { MemoryFileIO } from "./memory-file-io.js";

async function fileWith(io: MemoryFileIO, path: string, text: string, sync: boolean) {
  const f = await io.open(path, "w+");
  await f.write(Buffer.from(text), 0, text.length, 0);
  if (sync) await f.sync();
  return f;
}

describe("MemoryFileIO crash model", () => {
  it("keeps fsynced bytes and a torn prefix of later writes, never other bytes", async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 200; seed++) {
      const io = new MemoryFileIO();
      await io.mkdir("/d");
      const f = await fileWith(io, "/d/f", "durable:", true);
      await io.syncDir("/d");
      await f.write(Buffer.from("lost-or-torn"), 0, 12, 8);
      const after = (await io.crash(new SeededRandom(seed)).readFile("/d/f"))!.toString("latin1");
      expect(after.startsWith("durable:")).toBe(true);
      const tail = after.slice(8);
      expect("lost-or-torn".startsWith(tail) || /^\0+$/.test(tail)).toBe(true);
      seen.add(tail.length === 0 ? "none" : tail === "lost-or-torn" ? "all" : /^\0+$/.test(tail) ? "zeros" : "torn");
    }
    expect([...seen].sort()).toEqual(["all", "none", "torn", "zeros"]);
  });

  it("a new file or a rename is durable only after the directory is fsynced", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/d");
    await fileWith(io, "/d/a", "a", true);
    const zero = { next: () => 0, int: () => 0 };
    expect(await io.crash(zero).readFile("/d/a")).toBeUndefined();
    const io2 = new MemoryFileIO();
    await io2.mkdir("/d");
    await fileWith(io2, "/d/a", "a", true);
    await io2.syncDir("/d");
    await io2.rename("/d/a", "/d/b");
    const crashed = io2.crash(zero);
    expect(await crashed.readFile("/d/a")).toEqual(Buffer.from("a"));
    expect(await crashed.readFile("/d/b")).toBeUndefined();
  });

  it("a crashed instance refuses further use", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/d");
    const f = await fileWith(io, "/d/a", "a", false);
    io.crash(new SeededRandom(1));
    await expect(f.write(Buffer.from("x"), 0, 1, 0)).rejects.toThrow(/crashed/);
    await expect(io.readdir("/d")).rejects.toThrow(/crashed/);
  });

  it("a file grown by truncate reads as zeros without holding them", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/d");
    const f = await fileWith(io, "/d/a", "abc", true);
    await f.truncate(10 * 1024 * 1024);
    const buf = Buffer.alloc(6, 1);
    expect(await f.read(buf, 0, 6, 1)).toBe(6);
    expect(buf).toEqual(Buffer.from([98, 99, 0, 0, 0, 0]));
    expect((await io.stat("/d/a"))!.size).toBe(10 * 1024 * 1024);
  });
});
