// Compact one-line renderings of Raft messages for the simulator's trace. The core's own
// `describeMessage` lists every entry with its data, which is right for datadriven transcripts
// but too long for a trace of thousands of events; here entries collapse to their first..last
// positions. Same notation as the core's describers (term/index), fields in a fixed order.

import type { Entry, Message } from "@replog/raft";

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case "PreVote":
    case "Vote":
      return `${head} last=${m.lastLogTerm}/${m.lastLogIndex}${m.transfer === true ? " transfer" : ""}`;
    case "PreVoteResponse":
    case "VoteResponse":
      return `${head} ${m.reject ? "rejected" : "granted"}`;
    case "Append":
      return `${head} prev=${m.prevLogTerm}/${m.prevLogIndex} commit=${m.commit} entries=${describeEntryRange(m.entries)}`;
    case "AppendResponse":
      return m.reject ? `${head} rejected index=${m.index} hint=${m.hintTerm}/${m.rejectHint}` : `${head} index=${m.index}`;
    case "Heartbeat":
      return `${head} commit=${m.commit}`;
    case "HeartbeatResponse":
    case "TimeoutNow":
      return head;
    case "Snapshot":
      return `${head} snapshot=${m.snapshot.meta.term}/${m.snapshot.meta.index}`;
    case "Fetch":
      return `${head} fetch=${m.lastFetchedTerm}/${m.fetchIndex}`;
    case "FetchResponse":
      return `${head} ${m.outcome} fetch=${m.lastFetchedTerm}/${m.fetchIndex} commit=${m.commit} entries=${describeEntryRange(m.entries)} hint=${m.hintTerm}/${m.rejectHint} leader=${m.leaderHint ?? "-"}`;
  }
}

/** Entries as a term/index range: "[]", "[3/7]" or "[3/7..4/9]". */
export function describeEntryRange(entries: readonly Entry[]): string {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return "[]";
  if (first === last) return `[${first.term}/${first.index}]`;
  return `[${first.term}/${first.index}..${last.term}/${last.index}]`;
}
