// The part of a `Log` that its cleaner and its retention may touch, handed to them only while they
// hold the log's serial queue (`Log.withExclusiveAccess`). A separate file so that neither needs
// to import the Log class itself.
import type { Clock, Logger } from "@replog/common";
import type { FileIO } from "./file-io.js";
import type { LogConfig } from "./log-config.js";
import type { LogSegment } from "./log-segment.js";

export interface LogInternals {
  readonly dir: string;
  config(): LogConfig;
  logStartOffset(): number;
  /** Bytes in all segments. */
  size(): number;
  segments(): readonly LogSegment[];
  replaceSegments(segments: LogSegment[]): void;
  /** Renames segments to `.deleted` (durably) and schedules their files' removal. */
  retire(segments: readonly LogSegment[]): Promise<void>;
  setFirstDirtyOffset(offset: number): void;
  /** Raises the log start offset (never lowers it) and cuts the leader-epoch cache there. */
  raiseLogStartOffset(offset: number): Promise<void>;
  readonly io: FileIO;
  readonly clock: Clock;
  readonly logger: Logger;
}
