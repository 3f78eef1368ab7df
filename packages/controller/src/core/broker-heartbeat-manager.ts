// Broker sessions on the ACTIVE controller (Kafka BrokerHeartbeatManager). This is soft state: it
// is not in the metadata log, each new active controller starts it afresh (every broker gets a new
// session, so a failover never mass-fences brokers, reference §6.13), and standbys keep none.
// Handlers may touch it directly, as Kafka's do; it never decides anything by itself.
//
//   FENCED ──(caught up, !wantFence)──▶ UNFENCED ──(wantShutDown, leads partitions)──▶ CONTROLLED_SHUTDOWN
//     │  ▲                                 │  │                                               │
//     │  └──────(wantFence / stale)────────┘  └─(wantShutDown, leads nothing)─▶ SHUTDOWN_NOW ◀─┘
//     └──(wantShutDown)──▶ SHUTDOWN_NOW            (leads nothing and every active broker has seen the change)

import { logIndex, type BrokerId, type LogIndex } from "@replog/common";

/** Kafka: broker.session.timeout.ms. */
export const BROKER_SESSION_TIMEOUT_MS_DEFAULT = 9000;

export type BrokerControlState = "FENCED" | "UNFENCED" | "CONTROLLED_SHUTDOWN" | "SHUTDOWN_NOW";

interface Session {
  lastContactMs: number;
  /** The highest metadata offset the broker reported; -1 until its first heartbeat. */
  metadataOffset: LogIndex;
}

export class BrokerHeartbeatManager {
  private readonly sessions = new Map<BrokerId, Session>();

  constructor(readonly sessionTimeoutMs: number = BROKER_SESSION_TIMEOUT_MS_DEFAULT) {}

  /** A heartbeat, a registration, or a controller failover renews the session. */
  touch(broker: BrokerId, nowMs: number, metadataOffset?: LogIndex): void {
    const session = this.sessions.get(broker);
    const offset = metadataOffset ?? session?.metadataOffset ?? logIndex(-1);
    this.sessions.set(broker, { lastContactMs: nowMs, metadataOffset: offset });
  }

  remove(broker: BrokerId): void {
    this.sessions.delete(broker);
  }

  /** Kafka: a session expires when lastContact + broker.session.timeout.ms < now. */
  hasValidSession(broker: BrokerId, nowMs: number): boolean {
    const session = this.sessions.get(broker);
    return session !== undefined && session.lastContactMs + this.sessionTimeoutMs >= nowMs;
  }

  /** The broker, among `candidates`, whose session expired longest ago (Kafka findOneStaleBroker). */
  findOneStaleBroker(candidates: Iterable<BrokerId>, nowMs: number): BrokerId | undefined {
    let stale: BrokerId | undefined;
    let oldest = Infinity;
    for (const broker of candidates) {
      const lastContactMs = this.sessions.get(broker)?.lastContactMs ?? -Infinity;
      if (lastContactMs + this.sessionTimeoutMs < nowMs && lastContactMs < oldest) {
        stale = broker;
        oldest = lastContactMs;
      }
    }
    return stale;
  }

  /**
   * The lowest metadata offset among `activeBrokers`: a broker in controlled shutdown may go only
   * once this reaches the offset of its shutdown records (reference §5.7). Infinity with none.
   */
  lowestMetadataOffset(activeBrokers: Iterable<BrokerId>): number {
    let lowest = Infinity;
    for (const broker of activeBrokers) lowest = Math.min(lowest, this.sessions.get(broker)?.metadataOffset ?? -1);
    return lowest;
  }

  /** A new active controller: every registered broker gets a fresh session (reference §6.13). */
  reset(brokers: Iterable<BrokerId>, nowMs: number): void {
    this.sessions.clear();
    for (const broker of brokers) this.touch(broker, nowMs);
  }
}
