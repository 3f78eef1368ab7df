// The next producer id the controller will hand out (Kafka ProducerIdsImage). Immutable.

import { brokerEpoch, nodeId, producerId, type ProducerId } from "@replog/common";
import type { ProducerIdsRecord } from "../records.js";

export class ProducerIdsImage {
  /** Kafka's EMPTY image has nextProducerId -1: no block handed out yet. */
  static readonly EMPTY = new ProducerIdsImage(producerId(-1n));

  /** Invariant: every id below this has been handed out to some broker. */
  constructor(readonly nextProducerId: ProducerId) {}

  isEmpty(): boolean {
    return this.nextProducerId < 0n;
  }

  /** Snapshots write the broker as -1 (Kafka does the same): only the next id matters. */
  toRecords(): ProducerIdsRecord[] {
    if (this.isEmpty()) return [];
    return [{ type: "ProducerIdsRecord", brokerId: nodeId(-1), brokerEpoch: brokerEpoch(-1n), nextProducerId: this.nextProducerId }];
  }

  describe(): string {
    return this.isEmpty() ? "" : `producerIds next=${this.nextProducerId}`;
  }
}
