import { mkdtempSync, readFileSync, rmSync, writeFileSync, truncateSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingLogger, type LogIndex, type NodeId, type Term } from "@replog/common";
import { QUORUM_STATE_FILE, QuorumStateStore, VOTE_UNKNOWN, type QuorumState } from "./quorum-state-store.js";

let dir: string;
let logger: RecordingLogger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "replog-qs-"));
  logger = new RecordingLogger();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const state = (term: number, vote: number | null, commit = 0): QuorumState => ({
  term: term as Term,
  vote: vote as NodeId | null,
  leaderId: null,
  commit: commit as LogIndex,
});

describe("QuorumStateStore", () => {
  it("starts empty on a fresh directory: term 0, no vote", () => {
    expect(new QuorumStateStore(dir, logger).read(0 as Term)).toEqual(state(0, null));
  });

  it("round-trips term, vote and commit through a restart", () => {
    new QuorumStateStore(dir, logger).write(state(7, 2, 41));
    expect(new QuorumStateStore(dir, logger).read(5 as Term)).toEqual(state(7, 2, 41));
    const onDisk = JSON.parse(readFileSync(join(dir, QUORUM_STATE_FILE), "utf8"));
    expect(onDisk).toMatchObject({ leaderEpoch: 7, votedId: 2, commitIndex: 41 });
  });

  it("torn at every byte: never a crash, and never a state that could vote twice", () => {
    const store = new QuorumStateStore(dir, logger);
    store.write(state(9, 3, 12));
    const path = join(dir, QUORUM_STATE_FILE);
    const full = readFileSync(path);
    for (let len = 0; len < full.length - 1; len++) {
      writeFileSync(path, full.subarray(0, len));
      const got = new QuorumStateStore(dir, logger).read(8 as Term);
      // Either the exact state survived (the cut only removed the trailing newline) or recovery
      // refuses to vote in the highest proven term.
      if (got.term === 9) expect(got).toEqual(state(9, 3, 12));
      else expect(got).toEqual(state(8, VOTE_UNKNOWN));
    }
    expect(logger.lines.some((l) => l.level === "error" && /refusing to vote/.test(l.msg ?? ""))).toBe(true);
  });

  it("a flipped digit is caught by the checksum", () => {
    const store = new QuorumStateStore(dir, logger);
    store.write(state(4, 1));
    const path = join(dir, QUORUM_STATE_FILE);
    writeFileSync(path, readFileSync(path, "utf8").replace('"votedId":1', '"votedId":2'));
    expect(new QuorumStateStore(dir, logger).read(4 as Term)).toEqual(state(4, VOTE_UNKNOWN));
  });

  it("prefers a complete tmp file left by a crash between fsync and rename", () => {
    const store = new QuorumStateStore(dir, logger);
    store.write(state(4, 1));
    const path = join(dir, QUORUM_STATE_FILE);
    const older = readFileSync(path);
    store.write(state(5, 2));
    writeFileSync(path + ".tmp", readFileSync(path));
    writeFileSync(path, older.subarray(0, 10));
    expect(new QuorumStateStore(dir, logger).read(3 as Term)).toEqual(state(5, 2));
  });

  it("ignores a torn tmp file when the main file is intact", () => {
    const store = new QuorumStateStore(dir, logger);
    store.write(state(6, null, 3));
    const path = join(dir, QUORUM_STATE_FILE);
    writeFileSync(path + ".tmp", readFileSync(path));
    truncateSync(path + ".tmp", 5);
    expect(statSync(path + ".tmp").size).toBe(5);
    expect(new QuorumStateStore(dir, logger).read(6 as Term)).toEqual(state(6, null, 3));
  });
});
