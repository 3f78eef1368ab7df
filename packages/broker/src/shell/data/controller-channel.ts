// Requests from this broker to the active controller (AlterPartition, forwarded admin calls). It
// starts where the broker's lifecycle last found the controller, follows NOT_CONTROLLER to the
// leader's address, and tries the other voters on transport errors: at most one round over them.

import type { QuorumVoter } from "@replog/common";
import { callUnary, newControllerClient, type ControllerClient } from "@replog/protocol";

interface Answer {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint: string;
}

export class ControllerChannel {
  private readonly clients = new Map<string, ControllerClient>();
  private address: string;

  constructor(
    private readonly voters: readonly QuorumVoter[],
    private readonly timeoutMs: number,
  ) {
    this.address = `${voters[0]!.host}:${voters[0]!.port}`;
  }

  async call<Res extends Answer>(method: string, request: object): Promise<Res> {
    const addresses = this.voters.map((v) => `${v.host}:${v.port}`);
    let lastError: Error | undefined;
    for (let hop = 0; hop < addresses.length + 2; hop++) {
      const client = this.client(this.address);
      try {
        const res = (await callUnary(client, client[method], request, this.timeoutMs)) as Res;
        if (res.errorCode === 41 && res.leaderEndpoint && res.leaderEndpoint !== this.address) {
          this.address = res.leaderEndpoint;
          continue;
        }
        return res;
      } catch (e) {
        lastError = e as Error;
        this.address = addresses[(addresses.indexOf(this.address) + 1) % addresses.length]!;
      }
    }
    throw lastError ?? new Error("no active controller answered");
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }

  private client(address: string): ControllerClient {
    let c = this.clients.get(address);
    if (!c) {
      c = newControllerClient(address);
      this.clients.set(address, c);
    }
    return c;
  }
}
