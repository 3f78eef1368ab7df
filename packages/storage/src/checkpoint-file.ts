// Kafka's text checkpoint files: a version line, a count line, then one entry per line. The same
// layout serves `replication-offset-checkpoint`, `recovery-point-offset-checkpoint`,
// `log-start-offset-checkpoint`, `cleaner-offset-checkpoint` (entries `topic partition offset`)
// and `leader-epoch-checkpoint` (entries `epoch startOffset`). Kafka: CheckpointFile.java.
import type { FileIO } from "./file-io.js";
import { writeFileAtomically } from "./atomic-file.js";

export const CHECKPOINT_VERSION = 0;

/** A checkpoint file that does not parse. Kafka refuses to start on one; so do we. */
export class CheckpointFormatError extends Error {
  override readonly name = "CheckpointFormatError";
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Malformed checkpoint file ${path}: ${reason}`);
  }
}

export function formatCheckpoint(lines: readonly string[]): string {
  return [String(CHECKPOINT_VERSION), String(lines.length), ...lines].join("\n") + "\n";
}

/** The entry lines of a checkpoint file's text, checked against its version and count lines. */
export function parseCheckpoint(path: string, text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 2) throw new CheckpointFormatError(path, "missing version or count line");
  if (lines[0] !== String(CHECKPOINT_VERSION)) throw new CheckpointFormatError(path, `unrecognised version "${lines[0]}"`);
  const count = parseNonNegativeInt(lines[1]!);
  if (count === undefined) throw new CheckpointFormatError(path, `bad count line "${lines[1]}"`);
  const entries = lines.slice(2);
  if (entries.length !== count) throw new CheckpointFormatError(path, `expected ${count} entries, found ${entries.length}`);
  return entries;
}

export function parseNonNegativeInt(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** `topic partition offset` per line; a topic name never contains a space (Kafka's legal chars). */
export class OffsetCheckpointFile {
  constructor(
    private readonly io: FileIO,
    readonly path: string,
  ) {}

  async write(entries: readonly TopicPartitionOffset[]): Promise<void> {
    const lines = entries.map((e) => {
      if (!/^[a-zA-Z0-9._-]+$/.test(e.topic)) throw new RangeError(`illegal topic name "${e.topic}"`);
      return `${e.topic} ${e.partition} ${e.offset}`;
    });
    await writeFileAtomically(this.io, this.path, Buffer.from(formatCheckpoint(lines)));
  }

  /** The entries, or `[]` if the file does not exist (a fresh log dir). */
  async read(): Promise<TopicPartitionOffset[]> {
    const bytes = await this.io.readFile(this.path);
    if (!bytes) return [];
    return parseCheckpoint(this.path, bytes.toString("utf8")).map((line) => {
      const parts = line.split(" ");
      const partition = parseNonNegativeInt(parts[1] ?? "");
      const offset = parseNonNegativeInt(parts[2] ?? "");
      if (parts.length !== 3 || parts[0] === "" || partition === undefined || offset === undefined) {
        throw new CheckpointFormatError(this.path, `malformed line "${line}"`);
      }
      return { topic: parts[0]!, partition, offset };
    });
  }
}
