// Producer-id blocks (Kafka ProducerIdControlManager, KIP-730): a broker's transaction/idempotence
// coordinator asks for a block of ids; the controller hands out the next PRODUCER_ID_BLOCK_SIZE
// ids and records the new high mark in a ProducerIdsRecord, so no id is ever handed out twice,
// across controller failovers too. Only replay() moves the mark.

import { producerId, type BrokerEpoch, type BrokerId, type ProducerId } from "@replog/common";
import type { ProducerIdsRecord } from "@replog/metadata";
import type { ClusterControlManager } from "./cluster-control-manager.js";
import { apiError, type ApiError } from "./controller-errors.js";
import { controllerResult, type ControllerResult } from "./controller-result.js";

/** Kafka ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
const PRODUCER_ID_MAX = 2n ** 63n - 1n;

export interface ProducerIdsBlock {
  readonly assignedBrokerId: BrokerId;
  readonly firstProducerId: ProducerId;
  readonly size: number;
}

export class ProducerIdControlManager {
  /** Invariant: every id below this has been handed out. */
  private nextProducerId = 0n;

  constructor(private readonly cluster: ClusterControlManager) {}

  replay(record: ProducerIdsRecord): void {
    this.nextProducerId = record.nextProducerId;
  }

  /** Kafka generateNextProducerId: the broker must be registered at this epoch. */
  generateNextProducerId(brokerId: BrokerId, brokerEpoch: BrokerEpoch): ControllerResult<ProducerIdsBlock | { readonly error: ApiError }> {
    const registration = this.cluster.registration(brokerId);
    if (registration === undefined || registration.brokerEpoch !== brokerEpoch) {
      return controllerResult([], { error: apiError("STALE_BROKER_EPOCH", `Broker ${brokerId} epoch ${brokerEpoch} is not its registered epoch`) });
    }
    const first = this.nextProducerId < 0n ? 0n : this.nextProducerId;
    if (first > PRODUCER_ID_MAX - BigInt(PRODUCER_ID_BLOCK_SIZE)) {
      return controllerResult([], { error: apiError("UNKNOWN_SERVER_ERROR", "Exhausted all producer ids") });
    }
    const next = first + BigInt(PRODUCER_ID_BLOCK_SIZE);
    const record: ProducerIdsRecord = { type: "ProducerIdsRecord", brokerId, brokerEpoch, nextProducerId: producerId(next) };
    return controllerResult([record], { assignedBrokerId: brokerId, firstProducerId: producerId(first), size: PRODUCER_ID_BLOCK_SIZE });
  }
}
