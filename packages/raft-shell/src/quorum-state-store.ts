// The controller's durable Raft vote and term: the `quorum-state` file of a KRaft controller's
// metadata log directory. Called by the Raft driver on the controller's event loop, before it sends
// any message that depends on the new state (Raft §5.2, Figure 2: "persist before responding").
//
// The file is JSON so that a student can read it, with a CRC32 over the state so a damaged file is
// recognised instead of misread. It is replaced atomically: write `quorum-state.tmp`, fsync it,
// rename it over `quorum-state`, fsync the directory.
//
// Recovery (never a crash, never a lost vote):
//   - `quorum-state` valid → use it.
//   - `quorum-state` missing or damaged but `quorum-state.tmp` valid → use the tmp file: it is the
//     newest state; it may not have been acted on yet, and using more recent state is always safe.
//   - neither readable → the vote of the newest term may be unknown. We return the highest term we
//     can prove (the caller passes the last term in its log) with `vote = VOTE_UNKNOWN`, which the
//     Raft core treats as "already voted in this term", so this node cannot vote twice in that
//     term. The reason is logged. (A vote cast in a later term than the log shows, whose record
//     was then destroyed after its fsync, is beyond what one file can protect; see the README.)

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { Logger, NodeId, Term, LogIndex } from "@replog/common";

export const QUORUM_STATE_FILE = "quorum-state";
const TMP_SUFFIX = ".tmp";
/** A vote cast for an unknown candidate: refuse every other vote in the same term. */
export const VOTE_UNKNOWN = -2 as NodeId;

export interface QuorumState {
  readonly term: Term;
  /** The candidate voted for in `term`, null if none, VOTE_UNKNOWN after a recovery that lost it. */
  readonly vote: NodeId | null;
  /** The leader known for `term`, for DescribeQuorum and restarts; not needed for safety. */
  readonly leaderId: NodeId | null;
  readonly commit: LogIndex;
}

interface FileShape {
  data_version: 0;
  leaderEpoch: number;
  votedId: number;
  leaderId: number;
  commitIndex: number;
  crc: number;
}

export class QuorumStateStore {
  private readonly path: string;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.path = join(dir, QUORUM_STATE_FILE);
  }

  /** Reads the state as described above; `lastLogTerm` is the highest term proven by the log. */
  read(lastLogTerm: Term): QuorumState {
    const main = this.tryRead(this.path);
    if (main.state) return main.state;
    const tmp = this.tryRead(this.path + TMP_SUFFIX);
    if (tmp.state) {
      this.logger.warn({ reason: main.problem }, "quorum-state unreadable; recovered the newer state from quorum-state.tmp");
      return tmp.state;
    }
    if (main.problem === "missing" && (tmp.problem === "missing")) {
      return { term: lastLogTerm, vote: lastLogTerm === 0 ? null : VOTE_UNKNOWN, leaderId: null, commit: 0 as LogIndex };
    }
    this.logger.error(
      { reason: main.problem, tmpReason: tmp.problem, term: lastLogTerm },
      "quorum-state unreadable; resuming at the log's last term and refusing to vote again in it",
    );
    return { term: lastLogTerm, vote: VOTE_UNKNOWN, leaderId: null, commit: 0 as LogIndex };
  }

  /** Persists durably; returns only after the state is on disk. */
  write(state: QuorumState): void {
    const body = {
      data_version: 0 as const,
      leaderEpoch: state.term,
      votedId: state.vote ?? -1,
      leaderId: state.leaderId ?? -1,
      commitIndex: state.commit,
    };
    const text = JSON.stringify({ ...body, crc: checksum(body) }) + "\n";
    const tmp = this.path + TMP_SUFFIX;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    fsyncDirectory(this.dir);
  }

  /** For `replog storage format` and tests. */
  clear(): void {
    rmSync(this.path, { force: true });
    rmSync(this.path + TMP_SUFFIX, { force: true });
  }

  private tryRead(path: string): { state?: QuorumState; problem: string } {
    if (!existsSync(path)) return { problem: "missing" };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      return { problem: `not JSON (${(e as Error).message})` };
    }
    const f = parsed as Partial<FileShape>;
    const fields = [f.leaderEpoch, f.votedId, f.leaderId, f.commitIndex];
    if (f.data_version !== 0 || !fields.every((n) => Number.isSafeInteger(n))) return { problem: "fields missing or not integers" };
    const { crc, ...body } = f as FileShape;
    if (crc !== checksum(body)) return { problem: "checksum mismatch" };
    if (body.leaderEpoch < 0 || body.commitIndex < 0 || body.votedId < VOTE_UNKNOWN) return { problem: "negative term or commit" };
    return {
      problem: "",
      state: {
        term: body.leaderEpoch as Term,
        vote: body.votedId === -1 ? null : (body.votedId as NodeId),
        leaderId: body.leaderId < 0 ? null : (body.leaderId as NodeId),
        commit: body.commitIndex as LogIndex,
      },
    };
  }
}

function checksum(body: Omit<FileShape, "crc">): number {
  const canonical = `${body.data_version}|${body.leaderEpoch}|${body.votedId}|${body.leaderId}|${body.commitIndex}`;
  return crc32(canonical) >>> 0;
}

/** Makes a rename durable: fsync the directory entry (POSIX). */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
