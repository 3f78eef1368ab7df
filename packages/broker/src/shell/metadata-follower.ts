// The broker's copy of the cluster metadata: a Raft observer of the controller quorum (KRaft
// brokers fetch `__cluster_metadata` from the quorum leader and never vote). Committed entries are
// replayed into the metadata image; the log is kept on the broker's disk like the controllers'
// (metadata.log.dir, else the first of log.dirs) and compacted by snapshots of the image.

import type { Logger, NodeId, QuorumVoter } from "@replog/common";
import { systemRandom } from "@replog/common/node";
import { DurableRaftLog, MetadataStateMachine, RaftDriver, RaftFetchClient, ticksFor, type Message } from "@replog/raft-shell";

export interface MetadataFollowerOptions {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly voters: readonly QuorumVoter[];
  readonly metadataLogDir: string;
  readonly electionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRecordBytesBetweenSnapshots: number;
  readonly logger: (component: string) => Logger;
}

/** Where a broker's metadata comes from: its own observer, or (combined mode) its controller. */
export interface MetadataSource {
  readonly metadata: MetadataStateMachine;
  readonly appliedIndex: number;
  /** The quorum leader (the active controller) as this node knows it. */
  leaderId(): number | null;
  start(): void;
  stop(): void;
}

export class MetadataFollower implements MetadataSource {
  readonly metadata: MetadataStateMachine;
  readonly driver: RaftDriver;
  private readonly log: DurableRaftLog;
  private readonly fetcher: RaftFetchClient;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: MetadataFollowerOptions) {
    const voterIds = o.voters.map((v) => v.id);
    this.log = DurableRaftLog.open(o.metadataLogDir, voterIds, o.logger("metadata-log"));
    this.metadata = new MetadataStateMachine(o.logger("metadata"));
    this.fetcher = new RaftFetchClient(o.clusterId, o.voters);
    this.driver = new RaftDriver({
      nodeId: o.nodeId,
      voters: voterIds,
      role: "observer",
      log: this.log,
      outbox: { send: (m) => this.fetch(m) },
      stateMachine: this.metadata,
      random: systemRandom,
      logger: o.logger("metadata-fetcher"),
      coreLogger: o.logger("raft").child({}),
      ...ticksFor(o.electionTimeoutMs),
    });
  }

  start(): void {
    this.driver.start();
    this.snapshotTimer = setInterval(() => this.maybeSnapshot(), 1_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    this.driver.stop();
    this.fetcher.close();
    this.log.close();
  }

  leaderId(): number | null {
    return this.driver.status().leader;
  }

  /** The highest metadata-log index applied here (reported in heartbeats). */
  get appliedIndex(): number {
    return this.metadata.appliedIndex;
  }

  private fetch(m: Message): void {
    if (m.type !== "Fetch") return; // an observer sends nothing else
    this.fetcher.fetch(m, this.o.requestTimeoutMs).then(
      (answer) => {
        if (!this.stopped) this.driver.step(answer);
      },
      () => {
        // The core notices the missing answer (fetch timeout) and looks for the leader again.
      },
    );
  }

  private maybeSnapshot(): void {
    if (this.metadata.bytesSinceSnapshot < this.o.maxRecordBytesBetweenSnapshots) return;
    const applied = this.metadata.appliedIndex;
    if (applied <= this.log.snapshot().meta.index) return;
    this.log.snapshotAndCompact(applied, this.metadata.snapshotData());
    this.metadata.bytesSinceSnapshot = 0;
  }
}
