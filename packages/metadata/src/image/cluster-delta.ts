// Changes to the registered brokers since a ClusterImage (Kafka ClusterDelta). Mutable; only
// MetadataDelta drives it. Replaying a change for an unknown broker or a stale broker epoch means
// the log and this replica disagree, which can only be a bug, so it is an assertion.

import { assert, type BrokerId } from "@replog/common";
import type { BrokerRegistrationChangeRecord, RegisterBrokerRecord, UnregisterBrokerRecord } from "../records.js";
import { brokerFromRecord, ClusterImage, type BrokerRegistration } from "./cluster-image.js";

export class ClusterDelta {
  /** null = unregistered in this delta. */
  private readonly changed = new Map<BrokerId, BrokerRegistration | null>();

  constructor(private readonly image: ClusterImage) {}

  broker(id: BrokerId): BrokerRegistration | undefined {
    const changed = this.changed.get(id);
    return changed === undefined ? this.image.broker(id) : (changed ?? undefined);
  }

  /** Brokers changed by this delta: the new registration, or null when unregistered. */
  changedBrokers(): ReadonlyMap<BrokerId, BrokerRegistration | null> {
    return this.changed;
  }

  replayRegister(r: RegisterBrokerRecord): void {
    this.changed.set(r.brokerId, brokerFromRecord(r));
  }

  replayUnregister(r: UnregisterBrokerRecord): void {
    const current = this.broker(r.brokerId);
    assert(current !== undefined, `UnregisterBrokerRecord for unknown broker ${r.brokerId}`);
    assert(current.brokerEpoch === r.brokerEpoch, `UnregisterBrokerRecord for broker ${r.brokerId} epoch ${r.brokerEpoch}, registered ${current.brokerEpoch}`);
    this.changed.set(r.brokerId, null);
  }

  replayChange(r: BrokerRegistrationChangeRecord): void {
    const current = this.broker(r.brokerId);
    assert(current !== undefined, `BrokerRegistrationChangeRecord for unknown broker ${r.brokerId}`);
    assert(current.brokerEpoch === r.brokerEpoch, `BrokerRegistrationChangeRecord for broker ${r.brokerId} epoch ${r.brokerEpoch}, registered ${current.brokerEpoch}`);
    this.changed.set(
      r.brokerId,
      Object.freeze({
        ...current,
        fenced: r.fenced ?? current.fenced,
        inControlledShutdown: r.inControlledShutdown ?? current.inControlledShutdown,
      }),
    );
  }

  apply(): ClusterImage {
    if (this.changed.size === 0) return this.image;
    const brokers = new Map(this.image.brokers);
    for (const [id, registration] of this.changed) {
      if (registration === null) brokers.delete(id);
      else brokers.set(id, registration);
    }
    return new ClusterImage(brokers);
  }
}
