// Reads a controller quorum's committed metadata log from the outside, the way a broker does: as an
// observer fetching from the leader over gRPC (Raft Fetch). Used to check that no committed entry
// ever changes or disappears across failovers.

import { createHash } from "node:crypto";
import { RaftFetchClient, type RaftPeer } from "@replog/raft-shell";
import { logIndex, nodeId, term, type NodeId } from "@replog/common";
import type { Message, Snapshot } from "@replog/raft-shell";

export interface CommittedEntry {
  index: number;
  term: number;
  digest: string;
  type: "normal" | "noop";
  data: Uint8Array;
}

export interface CommittedLog {
  leader: number;
  commit: number;
  /** Index of the first entry returned (entries before it are only in a snapshot). */
  firstIndex: number;
  snapshot?: Snapshot;
  entries: CommittedEntry[];
}

const OBSERVER_ID = nodeId(9000 + Math.floor(Math.random() * 999));

/** Fetches every committed entry from the leader (or snapshot boundary onwards). */
export async function readCommittedLog(clusterId: string, voters: readonly RaftPeer[], leader: NodeId): Promise<CommittedLog> {
  const client = new RaftFetchClient(clusterId, voters);
  try {
    const entries: CommittedEntry[] = [];
    let fetchIndex = 0;
    let lastTerm = 0;
    let firstIndex = 1;
    let commit = 0;
    let snapshot: Snapshot | undefined;
    let knownTerm = 0;
    for (let round = 0; round < 100_000; round++) {
      // As a real observer does: its term is at least the term of anything it has fetched.
      const request: Message = { type: "Fetch", from: OBSERVER_ID, to: leader, term: term(Math.max(knownTerm, lastTerm)), fetchIndex: logIndex(fetchIndex), lastFetchedTerm: term(lastTerm) };
      const res = await fetchWithRetries(client, request);
      knownTerm = Math.max(knownTerm, res.term);
      if (res.type === "Snapshot") {
        snapshot = res.snapshot;
        fetchIndex = res.snapshot.meta.index;
        lastTerm = res.snapshot.meta.term;
        firstIndex = fetchIndex + 1;
        continue;
      }
      if (res.type !== "FetchResponse") throw new Error(`unexpected ${res.type}`);
      if (res.outcome !== "entries") throw new Error(`fetch from ${leader} answered ${res.outcome} (leader hint ${res.leaderHint})`);
      commit = res.commit;
      const fresh = res.entries.filter((e) => e.index <= commit);
      for (const e of fresh) entries.push({ index: e.index, term: e.term, digest: createHash("sha1").update(e.data).update(e.type).digest("hex").slice(0, 12), type: e.type, data: e.data });
      if (fresh.length === 0 || fresh.length < res.entries.length) break;
      fetchIndex = fresh[fresh.length - 1]!.index;
      lastTerm = fresh[fresh.length - 1]!.term;
      if (fetchIndex >= commit) break;
    }
    return { leader, commit, firstIndex, entries, ...(snapshot ? { snapshot } : {}) };
  } finally {
    client.close();
  }
}

/** A loaded machine can stall a leader's fsync for seconds: retry, the check is about safety. */
async function fetchWithRetries(client: RaftFetchClient, request: Message): Promise<Message> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.fetch(request, 5_000);
    } catch (e) {
      if (attempt >= 5 || !/DEADLINE_EXCEEDED|UNAVAILABLE/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
