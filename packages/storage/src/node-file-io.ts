// `FileIO` on real files through `node:fs/promises`. Reads, very large writes, fsync and directory
// operations go through libuv's thread pool, so a slow disk never blocks the event loop on them;
// fsync is a separate, explicit step (Kafka's flush policy decides when).
//
// Appends are the exception: writes up to SYNC_WRITE_MAX_BYTES are made with writeSync on the
// event loop. A write without fsync is a copy into the page cache (the disk is the flush's
// business): a few microseconds for 16-64 KiB, about 0.2 ms for 1 MiB, while the thread-pool round
// trip of an async write costs CPU on both sides and a cross-core hand-off. Measured on our 2-core
// machine with other work running: writeSync used about 15% less CPU per byte than an awaited
// FileHandle.write at 1 MiB (3.2 against 2.8 GB per CPU-second) and 2.5x less at 64 KiB. (Before
// the CRC-32C check got 4x faster, async 1 MiB writes paid off by overlapping the next append's
// check on the other core; the check now costs a fifth of the copy, not more than it.) Kafka's
// append is a synchronous FileChannel.write under the log lock as well. The log groups appends
// into runs of at most 1 MiB (APPEND_RUN_BYTES_MAX), so one synchronous write stays near 0.2 ms.
import { promises as fsp, constants as fsConstants, writeSync, writevSync } from "node:fs";

/**
 * Largest write made synchronously (see above): a full run of grouped appends, or one produce
 * request of Kafka's default max.request.size (1 MiB) with room to spare.
 */
export const SYNC_WRITE_MAX_BYTES = 2 * 1024 * 1024;
import type { FileHandle, FileIO, FileStat, OpenMode } from "./file-io.js";

class NodeFileHandle implements FileHandle {
  constructor(private readonly handle: fsp.FileHandle) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const n = length - done <= SYNC_WRITE_MAX_BYTES
        ? writeSync(this.handle.fd, buffer, offset + done, length - done, position + done)
        : (await this.handle.write(buffer, offset + done, length - done, position + done)).bytesWritten;
      done += n;
    }
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const bytesWritten = total <= SYNC_WRITE_MAX_BYTES
      ? writevSync(this.handle.fd, buffers as Buffer[], position)
      : (await this.handle.writev(buffers as Buffer[], position)).bytesWritten;
    if (bytesWritten === total) return;
    // A short write: the rest, buffer by buffer.
    let at = 0;
    for (const b of buffers) {
      const skip = Math.max(0, Math.min(b.length, bytesWritten - at));
      if (skip < b.length) await this.write(b, skip, b.length - skip, position + at + skip);
      at += b.length;
    }
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

const FLAGS: Record<OpenMode, number> = {
  r: fsConstants.O_RDONLY,
  "r+": fsConstants.O_RDWR,
  "w+": fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_TRUNC,
};

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

export class NodeFileIO implements FileIO {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new NodeFileHandle(await fsp.open(path, FLAGS[mode], 0o644));
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await fsp.readFile(path);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const s = await fsp.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async readdir(dir: string): Promise<string[]> {
    try {
      return await fsp.readdir(dir);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }

  async mkdir(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    try {
      await fsp.unlink(path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  removeDir(dir: string): Promise<void> {
    return fsp.rm(dir, { recursive: true, force: true });
  }

  async syncDir(dir: string): Promise<void> {
    // Linux allows fsync on a read-only directory descriptor; that is what makes a rename durable.
    const handle = await fsp.open(dir, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

export const nodeFileIO: FileIO = new NodeFileIO();
