// Majority quorum math (etcd's quorum/majority.go). Knows nothing of messages or roles: given the
// voter set and what each voter reported, it answers "what index is committed" and "who won".
import { logIndex, type LogIndex, type NodeId } from "@replog/common";

export type VoteResult = "won" | "lost" | "pending";

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that a majority of voters have acknowledged (Raft §5.3: "replicated it on a
 * majority of the servers"). Voters with no report count as 0. With no voters the answer is the
 * largest possible index, so an empty config never blocks (and never exists in practice).
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => LogIndex | undefined): LogIndex {
  if (voters.length === 0) return logIndex(Number.MAX_SAFE_INTEGER);
  const matched = voters.map((id) => acked(id) ?? 0).sort((a, b) => b - a);
  // Sorted descending, the entry at position (majority - 1) is held by at least a majority.
  return logIndex(matched[majority(voters.length) - 1]!);
}

/** Raft §5.2: a candidate wins with votes from a majority; it has lost once a majority can no longer be reached. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return "won";
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return "won";
  if (voters.length - rejected < need) return "lost";
  return "pending";
}
