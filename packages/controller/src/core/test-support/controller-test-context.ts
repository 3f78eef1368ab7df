// A controller core with no Raft (Kafka's ReplicationControlTestContext): every result's records
// are "committed" at the next log index and replayed at once, into the core and into a
// MetadataDelta, so tests can check both the controller's state and the image brokers would build.

import { brokerEpoch, logIndex, nodeId, SeededRandom, type BrokerEpoch, type BrokerId, type LogIndex } from "@replog/common";
import { incarnationId, MetadataDelta, MetadataImage, type MetadataRecord, type PartitionRegistration, type TopicId } from "@replog/metadata";
import type { ControllerResult } from "../controller-result.js";
import { ControllerCore, type ControllerCoreOptions } from "../controller-core.js";

export const CLUSTER_ID = "test-cluster";

export class ControllerTestContext {
  readonly core: ControllerCore;
  private nextIndex = 1;
  nowMs = 1_000;
  image = MetadataImage.EMPTY;
  /** Every record replayed so far, in order. */
  readonly log: MetadataRecord[] = [];

  constructor(options: Partial<ControllerCoreOptions> = {}) {
    this.core = new ControllerCore({ clusterId: CLUSTER_ID, random: new SeededRandom(42), ...options });
  }

  get lastIndex(): LogIndex {
    return logIndex(this.nextIndex - 1);
  }

  /** Commits a result's records as one entry and returns its response. */
  commit<T>(result: ControllerResult<T>): T {
    if (result.records.length > 0) {
      const index = logIndex(this.nextIndex++);
      const delta = new MetadataDelta(this.image);
      for (const record of result.records) {
        this.core.replay(record, index);
        delta.replay(record);
        this.log.push(record);
      }
      this.image = delta.apply({ lastIndex: index, lastTerm: this.image.provenance.lastTerm });
    }
    return result.response;
  }

  /** Registers a broker (a new incarnation each call) and returns its epoch. */
  register(id: number, incarnation = `inc-${id}-${this.nextIndex}`): BrokerEpoch {
    const response = this.commit(
      this.core.registerBroker(
        { brokerId: nodeId(id), clusterId: CLUSTER_ID, incarnationId: incarnationId(incarnation), endpoints: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9000 + id }], rack: null },
        this.nowMs,
        logIndex(this.nextIndex),
      ),
    );
    if ("error" in response) throw new Error(response.error.message);
    return response.brokerEpoch;
  }

  epoch(id: number): BrokerEpoch {
    return this.core.cluster.registration(nodeId(id))?.brokerEpoch ?? brokerEpoch(-1n);
  }

  heartbeat(id: number, flags: { wantFence?: boolean; wantShutDown?: boolean; offset?: number } = {}) {
    return this.commit(
      this.core.brokerHeartbeat(
        {
          brokerId: nodeId(id), brokerEpoch: this.epoch(id), currentMetadataOffset: logIndex(flags.offset ?? this.nextIndex - 1),
          wantFence: flags.wantFence ?? false, wantShutDown: flags.wantShutDown ?? false,
        },
        this.nowMs,
      ),
    );
  }

  /** Registers and unfences brokers (they report being caught up). */
  activate(...ids: number[]): void {
    for (const id of ids) this.register(id);
    for (const id of ids) this.heartbeat(id);
  }

  createTopic(name: string, assignments: number[][], configs: Record<string, string> = {}): TopicId {
    const [result] = this.commit(this.core.createTopics([{ name, assignments: assignments.map((r) => r.map(nodeId)), configs }]));
    if (result!.error !== undefined) throw new Error(result!.error.message);
    return result!.topicId!;
  }

  partition(topic: string, p: number): PartitionRegistration {
    const id = this.core.replication.topicId(topic)!;
    return this.core.replication.partition(id, p)!;
  }

  /** "isr=[1,2] leader=1 epochs=0/0" for compact assertions. */
  describe(topic: string, p: number): string {
    const x = this.partition(topic, p);
    return `isr=[${x.isr.join(",")}] leader=${x.leader} epochs=${x.leaderEpoch}/${x.partitionEpoch}${x.leaderRecoveryState === "RECOVERING" ? " RECOVERING" : ""}`;
  }

  fence(id: number): void {
    this.heartbeat(id, { wantFence: true });
  }

  ids(...ids: number[]): BrokerId[] {
    return ids.map(nodeId);
  }
}
