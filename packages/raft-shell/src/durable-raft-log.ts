// The controllers' durable Raft log: the metadata log as a partition directory, the way KRaft keeps
// `__cluster_metadata-0/` (DESIGN.md section 7), so a student can look at it with the same eyes as a
// topic partition.
//
//   __cluster_metadata-0/
//     00000000000000000000.log                      entries, one RecordBatch v2 each:
//                                                   offset = index - 1, partitionLeaderEpoch = term,
//                                                   control bit set for the leader's noop
//     00000000000000000042-0000000003.checkpoint    snapshot ending at offset 42 (index 42), term 3
//     quorum-state                                  term and vote (QuorumStateStore)
//
// The Raft core reads storage synchronously (etcd's shape), so the entries since the last snapshot
// are also kept in memory (a MemoryStorage); the metadata log is small and snapshots bound it.
// Writes are synchronous too: the driver persists, fsyncs when the core says so, and only then
// sends. Opening recovers: a torn or corrupt tail (CRC) is cut off with a logged reason; a damaged
// snapshot file is skipped for an older one.

import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { assert, logIndex, term as toTerm, type Logger, type LogIndex, type NodeId, type Term } from "@replog/common";
import { batchesIn, CorruptRecordError, decodeRecords, encodeRecordBatch, validateBatch } from "@replog/protocol";
import { MemoryStorage, type Entry, type HardState, type RaftStorage, type Snapshot } from "@replog/raft";
import { QuorumStateStore, fsyncDirectory } from "./quorum-state-store.js";

export const METADATA_PARTITION_DIR = "__cluster_metadata-0";

const pad = (n: number, width: number) => String(n).padStart(width, "0");
export const logFileName = (baseOffset: number) => `${pad(baseOffset, 20)}.log`;
export const snapshotFileName = (index: number, term: number) => `${pad(index, 20)}-${pad(term, 10)}.checkpoint`;
const LOG_FILE = /^(\d{20})\.log$/;
const SNAPSHOT_FILE = /^(\d{20})-(\d{10})\.checkpoint$/;

export function encodeEntry(e: Entry, wallMs: number): Buffer {
  return encodeRecordBatch({
    baseOffset: e.index - 1,
    partitionLeaderEpoch: e.term,
    isControl: e.type === "noop",
    defaultTimestamp: wallMs,
    records: [{ value: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength) }],
  });
}

export class DurableRaftLog implements RaftStorage {
  private readonly mem: MemoryStorage;
  private readonly quorumState: QuorumStateStore;
  private fd = -1;
  private baseOffset = 0;
  /** positions[i]: byte position of the entry with index baseOffset + 1 + i. */
  private positions: number[] = [];
  private size = 0;
  private hardState: HardState;

  private constructor(
    readonly dir: string,
    voters: readonly NodeId[],
    private readonly logger: Logger,
    private readonly wallMs: () => number,
  ) {
    this.mem = new MemoryStorage(voters);
    this.quorumState = new QuorumStateStore(dir, logger);
    this.hardState = { term: toTerm(0), vote: null, commit: logIndex(0) };
  }

  static open(metadataLogDir: string, voters: readonly NodeId[], logger: Logger, wallMs: () => number = Date.now): DurableRaftLog {
    const dir = join(metadataLogDir, METADATA_PARTITION_DIR);
    mkdirSync(dir, { recursive: true });
    const log = new DurableRaftLog(dir, voters, logger, wallMs);
    log.recover();
    return log;
  }

  // --- RaftStorage (reads, from memory) -------------------------------------------------------
  initialState(): { hardState: HardState; voters: readonly NodeId[] } {
    return { hardState: this.hardState, voters: this.mem.initialState().voters };
  }
  entries(lo: LogIndex, hi: LogIndex): Entry[] {
    return this.mem.entries(lo, hi);
  }
  term(i: LogIndex): Term {
    return this.mem.term(i);
  }
  firstIndex(): LogIndex {
    return this.mem.firstIndex();
  }
  lastIndex(): LogIndex {
    return this.mem.lastIndex();
  }
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  // --- writes (from the driver, after each Ready) -----------------------------------------------
  /** Appends entries, cutting a conflicting suffix first (Raft §5.3). Not durable until sync(). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const snapIndex = this.baseOffset;
    const fresh = entries.filter((e) => e.index > snapIndex);
    if (fresh.length === 0) return;
    const from = fresh[0]!.index;
    assert(from <= this.mem.lastIndex() + 1, () => `append at ${first} leaves a gap after ${this.mem.lastIndex()}`);
    if (from <= this.mem.lastIndex()) this.truncateFrom(from);
    const bufs = fresh.map((e) => encodeEntry(e, this.wallMs()));
    let pos = this.size;
    for (const b of bufs) {
      this.positions.push(pos);
      pos += b.length;
    }
    writeSync(this.fd, Buffer.concat(bufs), 0, pos - this.size, this.size);
    this.unsynced = true;
    this.size = pos;
    this.mem.append(fresh);
  }

  setHardState(hs: HardState): void {
    const changedVote = hs.term !== this.hardState.term || hs.vote !== this.hardState.vote;
    this.hardState = hs;
    this.mem.setHardState(hs);
    // Term and vote must be durable before any message that depends on them is sent; the commit
    // index is only a hint after a restart (the leader tells it again), so it rides along.
    if (changedVote) this.quorumState.write({ term: hs.term, vote: hs.vote, leaderId: null, commit: hs.commit });
  }

  /** Whether the log file has writes (appends, truncations) not yet fsynced. */
  private unsynced = true;

  /**
   * Makes appended entries durable. Skips the fsync when the log file was not written since the
   * last one: a Ready that only changed the term or vote (a candidate, a voter) must sync, but its
   * quorum-state write has already fsynced itself, and that fsync sits on an election's critical path.
   */
  sync(): void {
    if (!this.unsynced) return;
    fsyncSync(this.fd);
    this.unsynced = false;
  }

  /** Installs a snapshot received from the leader: it replaces the whole log (Raft §7). */
  applySnapshot(s: Snapshot): void {
    if (s.meta.index <= this.mem.snapshot().meta.index) return;
    this.writeSnapshotFile(s);
    this.mem.applySnapshot(s);
    this.rewriteLog(s.meta.index, []);
    this.logger.info({ index: s.meta.index, term: s.meta.term }, "installed a snapshot from the leader");
  }

  /** Snapshots the applied state at `index` and drops the entries it covers. */
  snapshotAndCompact(index: LogIndex, data: Uint8Array): Snapshot {
    const snap = this.mem.createSnapshot(index, data);
    this.writeSnapshotFile(snap);
    const keep = this.mem.lastIndex() >= index + 1 ? this.mem.entries(logIndex(index + 1), logIndex(this.mem.lastIndex() + 1)) : [];
    this.mem.compact(index);
    this.rewriteLog(index, keep);
    this.removeOlderSnapshots(index);
    return snap;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  // --- recovery -------------------------------------------------------------------------------
  private recover(): void {
    const snapshot = this.loadNewestSnapshot();
    if (snapshot) this.mem.applySnapshot(snapshot);
    const snapIndex = snapshot?.meta.index ?? 0;
    const logs = readdirSync(this.dir)
      .map((n) => LOG_FILE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
    // After a crash during compaction two files may exist: the newest one not beyond the snapshot wins.
    const base = logs.find((b) => b <= snapIndex) ?? snapIndex;
    for (const other of logs) if (other !== base) rmSync(join(this.dir, logFileName(other)));
    this.baseOffset = base;
    const path = join(this.dir, logFileName(base));
    if (!existsSync(path)) writeFileSync(path, "");
    this.readEntries(path, snapIndex);
    this.fd = openSync(path, "r+");
    const lastTerm = this.mem.term(this.mem.lastIndex());
    const qs = this.quorumState.read(lastTerm);
    const commit = logIndex(Math.min(qs.commit, this.mem.lastIndex()));
    this.hardState = { term: toTerm(Math.max(qs.term, lastTerm)), vote: qs.vote, commit: logIndex(Math.max(commit, snapIndex)) };
    this.mem.setHardState(this.hardState);
  }

  private readEntries(path: string, snapIndex: number): void {
    const buf = readFileSync(path);
    const entries: Entry[] = [];
    let expected = this.baseOffset + 1;
    let end = 0;
    let problem: string | undefined;
    try {
      for (const { pos, header } of batchesIn(buf)) {
        validateBatch(buf, pos);
        const index = header.baseOffset + 1;
        if (index !== expected) {
          problem = `entry at byte ${pos} has index ${index}, expected ${expected}`;
          break;
        }
        const value = decodeRecords(buf, pos)[0]?.value ?? Buffer.alloc(0);
        entries.push({ index: logIndex(index), term: toTerm(header.partitionLeaderEpoch), type: header.isControl ? "noop" : "normal", data: Buffer.from(value) });
        this.positions.push(pos);
        expected++;
        end = pos + header.sizeInBytes;
      }
    } catch (e) {
      problem = e instanceof CorruptRecordError ? `corrupt batch after byte ${end}: ${e.message}` : String(e);
    }
    if (problem === undefined && end < buf.length) problem = `incomplete batch at byte ${end}`;
    if (problem !== undefined) {
      this.logger.warn({ file: path, keptBytes: end, droppedBytes: buf.length - end, reason: problem }, "metadata log: cut a torn or corrupt tail");
      const fd = openSync(path, "r+");
      try {
        ftruncateSync(fd, end);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.size = end;
    const usable = entries.filter((e) => e.index > snapIndex);
    this.positions = this.positions.slice(entries.length - usable.length);
    this.mem.append(usable);
  }

  private loadNewestSnapshot(): Snapshot | undefined {
    const files = readdirSync(this.dir)
      .map((n) => ({ n, m: SNAPSHOT_FILE.exec(n) }))
      .filter((x) => x.m !== null)
      .sort((a, b) => b.n.localeCompare(a.n));
    for (const { n } of files) {
      const s = this.readSnapshotFile(join(this.dir, n));
      if (s) return s;
    }
    return undefined;
  }

  private readSnapshotFile(path: string): Snapshot | undefined {
    try {
      const buf = readFileSync(path);
      const header = validateBatch(buf, 0);
      const [meta, data] = decodeRecords(buf, 0);
      if (!meta?.value || !data?.value || header.sizeInBytes !== buf.length) throw new Error("not a snapshot file");
      const m = JSON.parse(meta.value.toString("utf8")) as { index: number; term: number; voters: number[] };
      return { meta: { index: logIndex(m.index), term: toTerm(m.term), voters: m.voters as NodeId[] }, data: Buffer.from(data.value) };
    } catch (e) {
      this.logger.warn({ file: path, reason: (e as Error).message }, "metadata log: skipped a damaged snapshot file");
      return undefined;
    }
  }

  // --- file rewriting ---------------------------------------------------------------------------
  private writeSnapshotFile(s: Snapshot): void {
    const meta = Buffer.from(JSON.stringify({ index: s.meta.index, term: s.meta.term, voters: s.meta.voters }));
    const bytes = encodeRecordBatch({
      baseOffset: s.meta.index,
      partitionLeaderEpoch: s.meta.term,
      isControl: true,
      defaultTimestamp: this.wallMs(),
      records: [{ value: meta }, { value: Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength) }],
    });
    writeAtomically(this.dir, snapshotFileName(s.meta.index, s.meta.term), bytes);
  }

  private rewriteLog(newBase: number, keep: readonly Entry[]): void {
    const bufs = keep.map((e) => encodeEntry(e, this.wallMs()));
    writeAtomically(this.dir, logFileName(newBase), Buffer.concat(bufs));
    const old = this.baseOffset;
    closeSync(this.fd);
    if (old !== newBase) rmSync(join(this.dir, logFileName(old)), { force: true });
    this.baseOffset = newBase;
    this.fd = openSync(join(this.dir, logFileName(newBase)), "r+");
    this.positions = [];
    let pos = 0;
    for (const b of bufs) {
      this.positions.push(pos);
      pos += b.length;
    }
    this.size = pos;
  }

  private truncateFrom(index: LogIndex): void {
    const i = index - this.baseOffset - 1;
    const pos = this.positions[i]!;
    ftruncateSync(this.fd, pos);
    this.unsynced = true;
    this.positions.length = i;
    this.size = pos;
  }

  private removeOlderSnapshots(index: number): void {
    for (const n of readdirSync(this.dir)) {
      const m = SNAPSHOT_FILE.exec(n);
      if (m && Number(m[1]) < index) rmSync(join(this.dir, n), { force: true });
    }
  }
}

function writeAtomically(dir: string, name: string, bytes: Buffer): void {
  const tmp = join(dir, name + ".tmp");
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDirectory(dir);
}
