// The registered brokers, as the metadata log defines them (Kafka ClusterImage). Immutable.

import type { BrokerEpoch, BrokerId } from "@replog/common";
import type { Endpoint, IncarnationId, RegisterBrokerRecord } from "../records.js";

export interface BrokerRegistration {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
  readonly incarnationId: IncarnationId;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
  /** A fenced broker may not lead, and is not ISR-eligible (reference §2.3, §5.1). */
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

export function brokerFromRecord(r: RegisterBrokerRecord): BrokerRegistration {
  return Object.freeze({
    brokerId: r.brokerId,
    brokerEpoch: r.brokerEpoch,
    incarnationId: r.incarnationId,
    endpoints: Object.freeze(r.endpoints.map((e) => Object.freeze({ name: e.name, host: e.host, port: e.port }))),
    rack: r.rack,
    fenced: r.fenced,
    inControlledShutdown: r.inControlledShutdown,
  });
}

export function brokerToRecord(b: BrokerRegistration): RegisterBrokerRecord {
  return {
    type: "RegisterBrokerRecord",
    brokerId: b.brokerId,
    incarnationId: b.incarnationId,
    brokerEpoch: b.brokerEpoch,
    endpoints: b.endpoints.map((e) => ({ ...e })),
    rack: b.rack,
    fenced: b.fenced,
    inControlledShutdown: b.inControlledShutdown,
  };
}

/** Kafka ClusterControlManager.isActive: may lead and may be in an ISR. */
export function isActiveBroker(b: BrokerRegistration | undefined): boolean {
  return b !== undefined && !b.fenced && !b.inControlledShutdown;
}

export class ClusterImage {
  static readonly EMPTY = new ClusterImage(new Map());

  constructor(readonly brokers: ReadonlyMap<BrokerId, BrokerRegistration>) {}

  broker(id: BrokerId): BrokerRegistration | undefined {
    return this.brokers.get(id);
  }

  isEmpty(): boolean {
    return this.brokers.size === 0;
  }

  /** Broker ids in ascending order. */
  brokerIds(): BrokerId[] {
    return [...this.brokers.keys()].sort((a, b) => a - b);
  }

  describe(): string {
    return this.brokerIds()
      .map((id) => describeBroker(this.brokers.get(id)!))
      .join("\n");
  }
}

export function describeBroker(b: BrokerRegistration): string {
  const state = b.fenced ? "fenced" : b.inControlledShutdown ? "controlled-shutdown" : "active";
  const endpoints = b.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(",");
  return `broker ${b.brokerId} epoch=${b.brokerEpoch} ${state} incarnation=${b.incarnationId} rack=${b.rack ?? "-"} endpoints=[${endpoints}]`;
}
