// The file-I/O seam of the storage package. Every byte the log writes goes through a `FileIO`, so
// the same `Log` code runs on real files (`NodeFileIO`) and on `MemoryFileIO`, whose `crash()`
// keeps only what was fsynced plus a torn prefix of the rest. That is how the model-based tests
// put crash points at arbitrary writes without killing processes.

export type OpenMode =
  /** Read only; the file must exist. */
  | "r"
  /** Read and write; the file must exist. */
  | "r+"
  /** Read and write; created if missing, emptied if present. */
  | "w+";

export interface FileStat {
  readonly size: number;
  /** Last modification, wall-clock ms (Kafka falls back to it when a segment has no timestamps). */
  readonly mtimeMs: number;
  readonly isDirectory: boolean;
}

/** An open file: positional reads and writes only, so no hidden file position can go stale. */
export interface FileHandle {
  /** Reads up to `length` bytes at `position`; returns how many were read (0 at the end). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes all `length` bytes at `position` (a short write is retried inside). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<void>;
  /** Writes the buffers back to back at `position`, all of them (one system call where possible). */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  /** fdatasync: the file's bytes (not its directory entry) are durable once this resolves. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileIO {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** The whole file, or `undefined` if it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  stat(path: string): Promise<FileStat | undefined>;
  /** Entry names (not paths) of a directory; `[]` if it does not exist. */
  readdir(dir: string): Promise<string[]>;
  /** Creates the directory and its parents if missing. */
  mkdir(dir: string): Promise<void>;
  /** Atomic replace of `to` by `from` (POSIX rename). Durable after `syncDir`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything under it; a missing directory is not an error. */
  removeDir(dir: string): Promise<void>;
  /** fsync of a directory: makes creations, renames and removals in it durable. */
  syncDir(dir: string): Promise<void>;
}

/** Reads exactly `length` bytes at `position`, or fewer only at the end of the file. */
export async function readFully(file: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await file.read(buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
