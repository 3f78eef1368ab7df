// Replacing a file so that a crash leaves either the old or the new content, never a mix:
// write a temporary file beside it, fsync it, rename it over the old one, fsync the directory.
// (Kafka: `Utils.atomicMoveWithFallback` after writing `<file>.tmp`, as in CheckpointFileWithFailureHandler.)
import { posix } from "node:path";
import type { FileIO } from "./file-io.js";

export const TEMP_SUFFIX = ".tmp";

export async function writeFileAtomically(io: FileIO, path: string, data: Buffer): Promise<void> {
  const temp = path + TEMP_SUFFIX;
  const file = await io.open(temp, "w+");
  try {
    await file.write(data, 0, data.length, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await io.rename(temp, path);
  await io.syncDir(posix.dirname(path));
}
