import { describe, expect, it } from "vitest";
import { SeededRandom } from "@replog/common";
import { OffsetCheckpointFile, CheckpointFormatError } from "./checkpoint-file.js";
import { writeFileAtomically } from "./atomic-file.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { NodeFileIO } from "./node-file-io.js";
import { tempDir } from "./test-support/temp-dir.js";
import { join } from "node:path";
import { readFile, readdir } from "node:fs/promises";

describe("offset checkpoint files (Kafka's text format)", () => {
  it("writes version, count and `topic partition offset` lines, and reads them back", async () => {
    const dir = await tempDir();
    const file = new OffsetCheckpointFile(new NodeFileIO(), join(dir, "replication-offset-checkpoint"));
    expect(await file.read()).toEqual([]);
    const entries = [
      { topic: "orders", partition: 0, offset: 42 },
      { topic: "__consumer_offsets", partition: 17, offset: 0 },
    ];
    await file.write(entries);
    expect(await readFile(file.path, "utf8")).toBe("0\n2\norders 0 42\n__consumer_offsets 17 0\n");
    expect(await file.read()).toEqual(entries);
    expect(await readdir(dir)).toEqual(["replication-offset-checkpoint"]);
  });

  it("refuses malformed files, naming the file", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/d");
    const file = new OffsetCheckpointFile(io, "/d/cp");
    for (const text of ["", "0\n", "7\n0\n", "0\n2\nt 0 1\n", "0\n1\nt 0\n", "0\n1\nt -1 4\n", "0\n1\nt 0 1 2\n", "0\nx\n"]) {
      const f = await io.open(file.path, "w+");
      await f.write(Buffer.from(text), 0, text.length, 0);
      await expect(file.read()).rejects.toThrow(CheckpointFormatError);
    }
  });

  it("refuses a topic name that would break the format", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/d");
    await expect(new OffsetCheckpointFile(io, "/d/cp").write([{ topic: "a b", partition: 0, offset: 1 }])).rejects.toThrow(/illegal topic/);
  });
});

describe("writeFileAtomically", () => {
  it("leaves the old or the new content after a crash at any point, never a mix", async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = new SeededRandom(seed);
      let io = new MemoryFileIO();
      await io.mkdir("/d");
      await writeFileAtomically(io, "/d/f", Buffer.from("old content"));
      // Crash somewhere inside the replace: stop the write after a random number of steps.
      const steps = random.int(5);
      const pending = writeFileAtomically(io, "/d/f", Buffer.from("new content, longer"));
      for (let i = 0; i < steps; i++) await Promise.resolve();
      io = io.crash(random);
      await pending.catch(() => undefined);
      const after = (await io.readFile("/d/f"))?.toString();
      expect(["old content", "new content, longer"], `seed ${seed}`).toContain(after);
    }
  });
});
