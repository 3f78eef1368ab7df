// Stable, compact text renderings of entries, messages, Ready and Status (etcd's util.go
// describers). Used in log lines, in test failure output and in datadriven transcripts, so the
// format only changes on purpose.
import type { Entry, HardState, Message, Snapshot, SoftState } from "./messages.js";
import type { Ready, Status } from "./ready.js";

function describeData(data: Uint8Array): string {
  if (data.length === 0) return "";
  const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
  return /^[\x20-\x7e]*$/.test(text) ? ` "${text}"` : ` 0x${Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** `term/index type "data"`, e.g. `2/5 normal "x=1"` or `3/7 noop`. */
export function describeEntry(e: Entry): string {
  return `${e.term}/${e.index} ${e.type}${describeData(e.data)}`;
}

export function describeEntries(ents: readonly Entry[]): string {
  return `[${ents.map(describeEntry).join(", ")}]`;
}

export function describeSnapshot(s: Snapshot): string {
  return `snapshot ${s.meta.term}/${s.meta.index} voters=(${s.meta.voters.join(",")})${describeData(s.data)}`;
}

export function describeHardState(hs: HardState): string {
  return `term=${hs.term} vote=${hs.vote ?? "-"} commit=${hs.commit}`;
}

export function describeSoftState(ss: SoftState): string {
  return `role=${ss.role} leader=${ss.leader ?? "-"}`;
}

/** `1->2 Append term=2 prev=1/3 commit=3 entries=[2/4 noop]`: every field that matters, in a fixed order. */
export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case "PreVote":
    case "Vote":
      return `${head} last=${m.lastLogTerm}/${m.lastLogIndex}${m.transfer ? " transfer" : ""}`;
    case "PreVoteResponse":
    case "VoteResponse":
      return `${head} ${m.reject ? "rejected" : "granted"}`;
    case "Append":
      return `${head} prev=${m.prevLogTerm}/${m.prevLogIndex} commit=${m.commit} entries=${describeEntries(m.entries)}`;
    case "AppendResponse":
      return m.reject ? `${head} rejected index=${m.index} hint=${m.hintTerm}/${m.rejectHint}` : `${head} index=${m.index}`;
    case "Heartbeat":
      return `${head} commit=${m.commit}`;
    case "HeartbeatResponse":
    case "TimeoutNow":
      return head;
    case "Snapshot":
      return `${head} ${describeSnapshot(m.snapshot)}`;
    case "Fetch":
      return `${head} fetch=${m.lastFetchedTerm}/${m.fetchIndex}`;
    case "FetchResponse":
      return describeFetchResponse(head, m);
  }
}

function describeFetchResponse(head: string, m: Extract<Message, { type: "FetchResponse" }>): string {
  switch (m.outcome) {
    case "entries":
      return `${head} fetch=${m.lastFetchedTerm}/${m.fetchIndex} commit=${m.commit} entries=${describeEntries(m.entries)}`;
    case "diverging":
      return `${head} diverging at ${m.fetchIndex} hint=${m.hintTerm}/${m.rejectHint}`;
    case "not-leader":
      return `${head} not-leader hint=${m.leaderHint ?? "-"}`;
  }
}

/** A Ready as indented lines, in the order the shell acts on it (empty parts left out). */
export function describeReady(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState) out.push(describeSoftState(rd.softState));
  if (rd.hardState) out.push(`HardState ${describeHardState(rd.hardState)}${rd.mustSync ? " (sync)" : ""}`);
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.entries.length > 0) out.push(`Entries ${describeEntries(rd.entries)}`);
  if (rd.committedEntries.length > 0) out.push(`Committed ${describeEntries(rd.committedEntries)}`);
  for (const m of rd.messages) out.push(`send ${describeMessage(m)}`);
  return out;
}

/** One line for the node, then one per voter's progress and per observer (leader only). */
export function describeStatus(s: Status): string[] {
  const lines = [`${s.id}: role=${s.role} term=${s.term} leader=${s.leader ?? "-"} vote=${s.vote ?? "-"} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`];
  for (const [id, p] of s.progress ?? []) lines.push(`  ${id}: ${p.state} match=${p.match} next=${p.next}`);
  for (const [id, i] of s.observers ?? []) lines.push(`  observer ${id}: fetched=${i}`);
  return lines;
}
