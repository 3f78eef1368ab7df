// The broker's life as the controller sees it (Kafka BrokerLifecycleManager):
//
//   starting ──register──▶ fenced ──caught up with metadata──▶ running
//                            ▲                                    │ SIGTERM
//                            └──── session lost / re-register     ▼
//                                                      controlled shutdown ──shouldShutDown──▶ stopped
//
// It registers with the active controller (any controller redirects with NOT_CONTROLLER), then
// heartbeats every broker.heartbeat.interval.ms — every 100 ms while fenced, so it unfences soon
// after catching up — reporting the metadata index it has applied. A STALE_BROKER_EPOCH or
// BROKER_ID_NOT_REGISTERED answer means the controller forgot this session: register again.

import { randomBytes } from "node:crypto";
import type { Logger, QuorumVoter } from "@replog/common";
import { callUnary, newControllerClient, type ControllerClient } from "@replog/protocol";

export type BrokerState = "starting" | "fenced" | "running" | "controlled-shutdown" | "stopped";

export interface BrokerLifecycleOptions {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly voters: readonly QuorumVoter[];
  readonly listeners: ReadonlyArray<{ name: string; host: string; port: number }>;
  readonly heartbeatIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly appliedMetadataIndex: () => number;
  readonly logger: Logger;
  /** Called on every state change, e.g. the first "running": this broker has caught up. */
  readonly onStateChange?: (state: BrokerState) => void;
}

interface ControllerAnswer {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint: string;
}

const FENCED_HEARTBEAT_MS = 100;

export class BrokerLifecycle {
  state: BrokerState = "starting";
  brokerEpoch = "-1";
  lastError = "";
  readonly incarnationId = randomBytes(16).toString("base64url");
  private readonly clients = new Map<string, ControllerClient>();
  private controllerAddress: string;
  private timer: NodeJS.Timeout | undefined;
  private wantShutDown = false;
  private shutdownDone: (() => void) | undefined;
  private inFlight = false;

  constructor(private readonly o: BrokerLifecycleOptions) {
    this.controllerAddress = `${o.voters[0]!.host}:${o.voters[0]!.port}`;
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * Controlled shutdown (Kafka §5.7): ask to shut down until the controller has moved this
   * broker's leaderships away and says so, or the time runs out.
   */
  controlledShutdown(timeoutMs: number): Promise<"moved" | "timed-out" | "not-registered"> {
    if (this.state === "starting" || this.state === "stopped") return Promise.resolve("not-registered");
    this.wantShutDown = true;
    this.state = "controlled-shutdown";
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timed-out"), timeoutMs);
      this.shutdownDone = () => {
        clearTimeout(timer);
        resolve("moved");
      };
      this.schedule(0);
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.state = "stopped";
    for (const c of this.clients.values()) c.close();
  }

  private schedule(ms: number): void {
    if (this.state === "stopped") return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.inFlight || this.state === "stopped") return;
    this.inFlight = true;
    try {
      if (this.state === "starting") await this.register();
      else await this.heartbeat();
    } catch (e) {
      this.lastError = (e as Error).message;
      this.rotateController();
    } finally {
      this.inFlight = false;
      this.schedule(this.state === "running" ? this.o.heartbeatIntervalMs : FENCED_HEARTBEAT_MS);
    }
  }

  private async register(): Promise<void> {
    const client = this.client();
    const res = await callUnary(client, client.BrokerRegistration, {
      brokerId: this.o.brokerId,
      clusterId: this.o.clusterId,
      incarnationId: this.incarnationId,
      listeners: this.o.listeners,
      rack: "",
    }, this.o.requestTimeoutMs);
    if (this.redirected(res)) return;
    this.brokerEpoch = String(res.brokerEpoch);
    this.state = "fenced";
    this.o.logger.info({ brokerEpoch: this.brokerEpoch, controller: this.controllerAddress }, "registered with the controller; fenced until caught up with metadata");
  }

  private async heartbeat(): Promise<void> {
    const client = this.client();
    const res = await callUnary(client, client.BrokerHeartbeat, {
      brokerId: this.o.brokerId,
      brokerEpoch: this.brokerEpoch,
      currentMetadataOffset: this.o.appliedMetadataIndex(),
      wantFence: false,
      wantShutDown: this.wantShutDown,
    }, this.o.requestTimeoutMs);
    if (res.errorCode === 77 || res.errorCode === 102) {
      this.o.logger.warn({ reason: res.errorMessage }, "the controller does not know this broker session; registering again");
      this.state = "starting";
      return;
    }
    if (this.redirected(res)) return;
    if (res.shouldShutDown) {
      this.o.logger.info("controller agrees: every leadership has moved, shutting down");
      this.shutdownDone?.();
      return;
    }
    if (this.wantShutDown) return;
    const next: BrokerState = res.isFenced ? "fenced" : "running";
    if (next !== this.state) {
      this.o.logger.info({ brokerEpoch: this.brokerEpoch, metadataIndex: this.o.appliedMetadataIndex() }, next === "running" ? "unfenced: serving as a broker" : "fenced by the controller");
      this.state = next;
      this.o.onStateChange?.(next);
    }
  }

  /** True when the answer was an error: follow NOT_CONTROLLER to the leader, or note the error. */
  private redirected(res: ControllerAnswer): boolean {
    if (res.errorCode === 0) return false;
    this.lastError = res.errorMessage;
    if (res.errorCode === 41 && res.leaderEndpoint) this.controllerAddress = res.leaderEndpoint;
    else if (res.errorCode === 41) this.rotateController();
    else this.o.logger.warn({ error: res.errorMessage }, "controller refused the request");
    return true;
  }

  private rotateController(): void {
    const addresses = this.o.voters.map((v) => `${v.host}:${v.port}`);
    const i = addresses.indexOf(this.controllerAddress);
    this.controllerAddress = addresses[(i + 1) % addresses.length]!;
  }

  private client(): ControllerClient {
    let c = this.clients.get(this.controllerAddress);
    if (!c) {
      c = newControllerClient(this.controllerAddress);
      this.clients.set(this.controllerAddress, c);
    }
    return c;
  }
}
