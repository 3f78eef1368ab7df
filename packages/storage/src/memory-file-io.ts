// An in-memory `FileIO` that can crash. It keeps, per file, the bytes as of the last fsync and
// the writes since then; per directory, the entries as of the last directory fsync and the
// renames, creations and removals since then. `crash(random)` returns the file system a machine
// would find after power loss: fsynced bytes, plus a random prefix of the later writes in order,
// the last one of them torn at a random byte (sometimes as zeros: the file grew but the data never
// reached the disk), and a random prefix of the later directory changes.
//
// Simplifications, on the safe side for what we test: directories created by `mkdir` are durable
// at once, and a file's length change (truncate) is ordered with its writes.
import { posix } from "node:path";
import type { Random } from "@replog/common";
import type { FileHandle, FileIO, FileStat, OpenMode } from "./file-io.js";

type PendingWrite = { kind: "write"; position: number; bytes: Buffer } | { kind: "truncate"; length: number };

/**
 * A file's bytes. Only the prefix that was ever written is stored: a file grown by `truncate` (a
 * preallocated index) reads as zeros past `written` without holding them.
 */
class Inode {
  private data: Buffer;
  /** Bytes [0, written) live in `data`; bytes [written, size) are zeros. */
  private written: number;
  size: number;
  private synced: { bytes: Buffer; size: number };
  pending: PendingWrite[] = [];
  mtimeMs = 0;

  constructor(initial: Buffer = Buffer.alloc(0), size = initial.length) {
    this.data = Buffer.from(initial);
    this.written = initial.length;
    this.size = size;
    this.synced = { bytes: Buffer.from(initial), size };
  }

  /** The whole content, zeros materialised. */
  bytes(): Buffer {
    const out = Buffer.alloc(this.size);
    this.data.copy(out, 0, 0, this.written);
    return out;
  }

  read(target: Buffer, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.size - position));
    const fromData = Math.max(0, Math.min(n, this.written - position));
    if (fromData > 0) this.data.copy(target, offset, position, position + fromData);
    target.fill(0, offset + fromData, offset + n);
    return n;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.data.length) return;
    const grown = Buffer.alloc(Math.max(n, this.data.length * 2, 64));
    this.data.copy(grown, 0, 0, this.written);
    this.data = grown;
  }

  write(src: Buffer, position: number): void {
    const end = position + src.length;
    this.ensureCapacity(end);
    if (position > this.written) this.data.fill(0, this.written, position);
    src.copy(this.data, position);
    this.written = Math.max(this.written, end);
    this.size = Math.max(this.size, end);
    this.pending.push({ kind: "write", position, bytes: Buffer.from(src) });
  }

  truncate(length: number): void {
    this.written = Math.min(this.written, length);
    this.size = length;
    this.pending.push({ kind: "truncate", length });
  }

  sync(): void {
    this.synced = { bytes: Buffer.from(this.data.subarray(0, this.written)), size: this.size };
    this.pending = [];
  }

  /** A copy with the same content, everything durable (a clean restart). */
  copy(): Inode {
    return new Inode(this.data.subarray(0, this.written), this.size);
  }

  /** The bytes a disk would hold after power loss now. */
  afterCrash(random: Random): Inode {
    const out = new Inode(this.synced.bytes, this.synced.size);
    const kept = random.int(this.pending.length + 1);
    for (let i = 0; i < kept; i++) applyPending(out, this.pending[i]!);
    const torn = this.pending[kept];
    if (torn?.kind === "write" && torn.bytes.length > 0) {
      const cut = random.int(torn.bytes.length);
      const bytes = random.int(4) === 0 ? Buffer.alloc(cut) : torn.bytes.subarray(0, cut);
      applyPending(out, { kind: "write", position: torn.position, bytes });
    }
    out.sync();
    return out;
  }
}

function applyPending(inode: Inode, op: PendingWrite): void {
  if (op.kind === "write") inode.write(op.bytes, op.position);
  else inode.truncate(op.length);
}

type DirChange = { path: string; inode: Inode | undefined };

class MemoryFileHandle implements FileHandle {
  private closed = false;
  constructor(
    private readonly fs: MemoryFileIO,
    private readonly inode: Inode,
    private readonly writable: boolean,
  ) {}

  private check(write: boolean): void {
    this.fs.checkAlive();
    if (this.closed) throw new Error("file handle is closed");
    if (write && !this.writable) throw new Error("file opened read-only");
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.check(false);
    return this.inode.read(buffer, offset, length, position);
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    this.check(true);
    this.fs.beforeMutation();
    this.inode.write(buffer.subarray(offset, offset + length), position);
    this.inode.mtimeMs = this.fs.wallMs();
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    // One write of the concatenation, so a crash can tear it anywhere, as a real writev.
    await this.write(Buffer.concat(buffers), 0, buffers.reduce((n, b) => n + b.length, 0), position);
  }

  async truncate(length: number): Promise<void> {
    this.check(true);
    this.fs.beforeMutation();
    this.inode.truncate(length);
  }

  async size(): Promise<number> {
    this.check(false);
    return this.inode.size;
  }

  async sync(): Promise<void> {
    this.check(false);
    this.fs.beforeMutation();
    this.fs.syncCount++;
    this.inode.sync();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: "ENOENT" });
}

export class MemoryFileIO implements FileIO {
  private files = new Map<string, Inode>();
  private durableFiles = new Map<string, Inode>();
  private pendingDirChanges: DirChange[] = [];
  private dirs = new Set<string>(["/"]);
  private dead = false;
  /** How many file fsyncs were made: tests use it to check the flush policy. */
  syncCount = 0;
  /** How many changing operations (write, truncate, sync, create, rename, unlink) were made. */
  mutations = 0;
  /**
   * Called before each changing operation with its sequence number. A test can `crash()` in it
   * to cut an operation off at an exact step; the operation then fails as a dead process's would.
   */
  onMutation: ((count: number) => void) | undefined;

  constructor(readonly wallMs: () => number = () => 0) {}

  checkAlive(): void {
    if (this.dead) throw new Error("this MemoryFileIO crashed; use the one crash() returned");
  }

  /** Bookkeeping before a changing operation (see `onMutation`). */
  beforeMutation(): void {
    this.checkAlive();
    this.mutations++;
    this.onMutation?.(this.mutations);
    this.checkAlive();
  }

  private changeEntry(path: string, inode: Inode | undefined): void {
    if (inode) this.files.set(path, inode);
    else this.files.delete(path);
    this.pendingDirChanges.push({ path, inode });
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    if (mode === "w+") this.beforeMutation();
    this.checkAlive();
    let inode = this.files.get(path);
    if (mode === "w+") {
      if (!this.dirs.has(posix.dirname(path))) throw notFound(path);
      if (inode) inode.truncate(0);
      else this.changeEntry(path, (inode = new Inode()));
    }
    if (!inode) throw notFound(path);
    return new MemoryFileHandle(this, inode, mode !== "r");
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    this.checkAlive();
    const inode = this.files.get(path);
    return inode ? Buffer.from(inode.bytes()) : undefined;
  }

  async stat(path: string): Promise<FileStat | undefined> {
    this.checkAlive();
    const inode = this.files.get(path);
    if (!inode) return this.dirs.has(path) ? { size: 0, mtimeMs: 0, isDirectory: true } : undefined;
    return { size: inode.size, mtimeMs: inode.mtimeMs, isDirectory: false };
  }

  async readdir(dir: string): Promise<string[]> {
    this.checkAlive();
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== dir && posix.dirname(p) === dir) names.add(posix.basename(p));
    }
    return [...names].sort();
  }

  async mkdir(dir: string): Promise<void> {
    this.checkAlive();
    for (let d = dir; !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
  }

  async rename(from: string, to: string): Promise<void> {
    this.beforeMutation();
    const inode = this.files.get(from);
    if (!inode) throw notFound(from);
    this.changeEntry(to, inode);
    this.changeEntry(from, undefined);
  }

  async unlink(path: string): Promise<void> {
    this.beforeMutation();
    if (this.files.has(path)) this.changeEntry(path, undefined);
  }

  async removeDir(dir: string): Promise<void> {
    this.checkAlive();
    for (const p of [...this.files.keys()]) if (p.startsWith(dir + "/")) this.changeEntry(p, undefined);
    for (const d of [...this.dirs]) if (d === dir || d.startsWith(dir + "/")) this.dirs.delete(d);
  }

  async syncDir(dir: string): Promise<void> {
    this.beforeMutation();
    const rest: DirChange[] = [];
    for (const change of this.pendingDirChanges) {
      if (posix.dirname(change.path) === dir) this.applyDurable(change);
      else rest.push(change);
    }
    this.pendingDirChanges = rest;
  }

  private applyDurable(change: DirChange): void {
    if (change.inode) this.durableFiles.set(change.path, change.inode);
    else this.durableFiles.delete(change.path);
  }

  /**
   * Power loss: this instance stops working (late writes of the old process fail), and the
   * returned instance holds what a restarted machine would find on disk.
   */
  crash(random: Random): MemoryFileIO {
    this.checkAlive();
    this.dead = true;
    const kept = random.int(this.pendingDirChanges.length + 1);
    for (let i = 0; i < kept; i++) this.applyDurable(this.pendingDirChanges[i]!);
    const next = new MemoryFileIO(this.wallMs);
    next.dirs = new Set(this.dirs);
    const crashed = new Map<Inode, Inode>();
    for (const [path, inode] of this.durableFiles) {
      let after = crashed.get(inode);
      if (!after) crashed.set(inode, (after = inode.afterCrash(random)));
      next.files.set(path, after);
      next.durableFiles.set(path, after);
    }
    return next;
  }

  /** A clean restart: everything written survives (as after a clean shutdown). */
  restart(): MemoryFileIO {
    this.checkAlive();
    this.dead = true;
    const next = new MemoryFileIO(this.wallMs);
    next.dirs = new Set(this.dirs);
    for (const [path, inode] of this.files) {
      const copy = inode.copy();
      next.files.set(path, copy);
      next.durableFiles.set(path, copy);
    }
    return next;
  }
}
