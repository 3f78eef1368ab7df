// Kafka's RPCProducerIdManager: a broker hands out producer ids from a block the active controller
// allocated to it (AllocateProducerIds), asking for the next block when the current one runs out.
// Concurrent InitProducerId calls share one outstanding block request.

import type { ControllerChannel } from "./controller-channel.js";

interface AllocateAnswer {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint: string;
  producerIdStart: string;
  producerIdLen: number;
}

export class ProducerIdManager {
  private next = 0n;
  private end = 0n;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly controller: Pick<ControllerChannel, "call">,
    private readonly brokerId: number,
    private readonly brokerEpoch: () => bigint,
  ) {}

  /** The next unused producer id; throws an Error whose message starts with Kafka's error name. */
  async generate(): Promise<bigint> {
    while (this.next >= this.end) {
      this.pending ??= this.fetchBlock().finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.next++;
  }

  private async fetchBlock(): Promise<void> {
    const res = await this.controller.call<AllocateAnswer>("AllocateProducerIds", { brokerId: this.brokerId, brokerEpoch: String(this.brokerEpoch()) });
    if (res.errorCode !== 0) throw new Error(res.errorMessage.includes(":") ? res.errorMessage : `COORDINATOR_NOT_AVAILABLE: ${res.errorMessage}`);
    const start = BigInt(res.producerIdStart);
    if (res.producerIdLen <= 0 || start < this.end) throw new Error(`UNKNOWN_SERVER_ERROR: the controller allocated an invalid producer id block (${start}, ${res.producerIdLen})`);
    this.next = start;
    this.end = start + BigInt(res.producerIdLen);
  }
}
