// What Kafka's DescribeQuorum reports beyond the Raft core's own state: when each voter and observer
// last fetched from the leader and when it was last caught up (its log end reached the leader's).
// The leader's shell notes these as messages arrive; the core knows nothing of wall-clock time.

import type { NodeId } from "@replog/common";
import type { Message, Status } from "@replog/raft-shell";

export interface ReplicaTimes {
  lastFetchMs: number;
  lastCaughtUpMs: number;
}

export class QuorumTracker {
  private readonly times = new Map<NodeId, ReplicaTimes>();
  private term = -1;

  /** Call for every inbound message while this node leads, after the core has stepped it. */
  noteInbound(m: Message, status: Status, nowMs: number): void {
    if (status.role !== "leader") return;
    if (status.term !== this.term) {
      this.times.clear();
      this.term = status.term;
    }
    const isFetch = m.type === "AppendResponse" || m.type === "HeartbeatResponse" || m.type === "Fetch";
    if (!isFetch) return;
    const t = this.times.get(m.from) ?? { lastFetchMs: -1, lastCaughtUpMs: -1 };
    t.lastFetchMs = nowMs;
    const position = m.type === "Fetch" ? m.fetchIndex : status.progress?.get(m.from)?.match;
    if (position !== undefined && position >= status.lastIndex) t.lastCaughtUpMs = nowMs;
    this.times.set(m.from, t);
  }

  timesOf(id: NodeId): ReplicaTimes {
    return this.times.get(id) ?? { lastFetchMs: -1, lastCaughtUpMs: -1 };
  }
}
