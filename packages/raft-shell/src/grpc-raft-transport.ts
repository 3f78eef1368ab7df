// Carries Raft messages between nodes over gRPC (protos/replog/raft.proto). Used by the Raft
// driver on a controller (voters push over one client stream per peer) and by brokers (observers
// pull with unary Fetch calls, answered on the same call).
//
// Raft tolerates lost, duplicated and reordered messages, so the transport never retries a message
// and never blocks: a peer that does not drain its stream has messages dropped beyond a byte bound
// (counted), and a broken stream is reopened after a backoff. Dead peers without a TCP reset are
// found by gRPC keepalive.
//
// Links are kept warm: a broken stream is reopened by a timer, not by the next message, and the
// peer channels back off for at most 250 ms. A voter that rarely writes to a peer (a follower
// writes only to the leader) would otherwise reach a restarted peer only after gRPC's reconnect
// backoff, which grows to a second while the peer is down. In the failover bench a restarted
// controller heard the leader only ~400 ms after it was up, and a pre-vote grant sent to it by
// the other follower never arrived, which cost a whole further election timeout.

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Logger, NodeId } from "@replog/common";
import { CHANNEL_OPTIONS, PROTOS_DIR } from "@replog/protocol";
import type { Message } from "@replog/raft";
import { messageFromWire, messageToWire, type WireMessage } from "./raft-wire.js";

/**
 * A restarted peer must be reachable again within about a heartbeat interval, not after gRPC's
 * general reconnect backoff (up to a second): Raft's own timers are the retry schedule here.
 */
const PEER_CHANNEL_OPTIONS: grpc.ChannelOptions = { ...CHANNEL_OPTIONS, "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 250 };

let raftService: grpc.ServiceClientConstructor | undefined;
export function raftServiceDefinition(): grpc.ServiceClientConstructor {
  if (!raftService) {
    // Longs as numbers here (the protocol package's default is strings): Raft terms and indexes stay
    // far below 2^53, and the core wants numbers.
    const def = protoLoader.loadSync("replog/raft.proto", { includeDirs: [PROTOS_DIR], keepCase: false, longs: Number, defaults: true, arrays: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { replog: { raft: { v1: { Raft: grpc.ServiceClientConstructor } } } };
    raftService = pkg.replog.raft.v1.Raft;
  }
  return raftService;
}

export interface RaftPeer {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

export interface RaftTransportOptions {
  readonly selfId: NodeId;
  readonly clusterId: string;
  readonly peers: readonly RaftPeer[];
  readonly logger: Logger;
  /** Every valid inbound message, from a peer stream or an observer's Fetch. */
  readonly onMessage: (message: Message) => void;
  /** Bytes a peer's stream may buffer before messages to it are dropped. */
  readonly peerBufferBytesMax?: number;
  /** How long an observer's Fetch waits for the core's answer before it is failed. */
  readonly fetchAnswerTimeoutMs?: number;
  readonly reconnectBackoffMs?: number;
}

interface PeerLink {
  readonly peer: RaftPeer;
  reopenTimer: NodeJS.Timeout | undefined;
  readonly client: grpc.Client & { Send: (cb: grpc.requestCallback<unknown>) => grpc.ClientWritableStream<Partial<WireMessage>> };
  stream: grpc.ClientWritableStream<Partial<WireMessage>> | undefined;
  retryAtMs: number;
}

interface PendingFetch {
  readonly callback: grpc.sendUnaryData<Partial<WireMessage>>;
  readonly timer: NodeJS.Timeout;
}

export class GrpcRaftTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly pendingFetches = new Map<NodeId, PendingFetch>();
  private readonly bufferMax: number;
  private readonly fetchTimeoutMs: number;
  private readonly backoffMs: number;
  private closed = false;
  droppedMessages = 0;
  rejectedMessages = 0;

  constructor(private readonly options: RaftTransportOptions) {
    this.bufferMax = options.peerBufferBytesMax ?? 8 * 1024 * 1024;
    this.fetchTimeoutMs = options.fetchAnswerTimeoutMs ?? 2_000;
    this.backoffMs = options.reconnectBackoffMs ?? 100;
    const Service = raftServiceDefinition();
    for (const peer of options.peers) {
      if (peer.id === options.selfId) continue;
      const client = new Service(`${peer.host}:${peer.port}`, grpc.credentials.createInsecure(), PEER_CHANNEL_OPTIONS) as unknown as PeerLink["client"];
      this.links.set(peer.id, { peer, client, stream: undefined, retryAtMs: 0, reopenTimer: undefined });
    }
  }

  /** Registers the Raft service on the node's controller-listener server. */
  addToServer(server: grpc.Server): void {
    server.addService(raftServiceDefinition().service, {
      Send: (call: grpc.ServerReadableStream<WireMessage, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let from: NodeId | undefined;
        let closed = false;
        call.on("data", (w: WireMessage) => {
          const sender = this.receive(w)?.from;
          // The stream counts for the first peer it carried a valid message from.
          if (sender === undefined || from !== undefined) return;
          from = sender;
          this.openStreams.set(from, (this.openStreams.get(from) ?? 0) + 1);
        });
        // The peer's stream to us closed: it shut down, or its connection was cut off (a crashed
        // process's sockets are reset by its OS at once). Reported once, and only when it was the
        // peer's last open stream: a reconnect overlapping the old stream, or a stranger's short
        // stream with a forged sender, must not make a follower forget a leader that still talks
        // to it. The driver acts only if that peer is its leader.
        const peerGone = () => {
          if (closed || from === undefined) return;
          closed = true;
          const left = (this.openStreams.get(from) ?? 1) - 1;
          if (left > 0) {
            this.openStreams.set(from, left);
            return;
          }
          this.openStreams.delete(from);
          this.peerLossListener?.(from);
        };
        call.on("end", () => {
          callback(null, {});
          peerGone();
        });
        call.on("cancelled", peerGone);
        call.on("error", () => {
          /* the sender reconnects; nothing to do here */
        });
      },
      Fetch: (call: grpc.ServerUnaryCall<WireMessage, unknown>, callback: grpc.sendUnaryData<Partial<WireMessage>>) => {
        this.handleFetch(call.request, callback);
      },
    });
  }

  private peerLossListener: ((peer: NodeId) => void) | undefined;
  /** Inbound Send streams open per peer (see the Send handler). */
  private readonly openStreams = new Map<NodeId, number>();

  /** Tells `listener` when a peer's stream to us closes, cleanly or cut off (see the Send handler). */
  watchPeerLoss(listener: (peer: NodeId) => void): void {
    this.peerLossListener = listener;
  }

  /** Sends a message the core produced. Never throws and never blocks. */
  send(message: Message): void {
    const pending = this.pendingFetches.get(message.to);
    if (pending && (message.type === "FetchResponse" || message.type === "Snapshot")) {
      this.pendingFetches.delete(message.to);
      clearTimeout(pending.timer);
      pending.callback(null, messageToWire(message, this.options.clusterId));
      return;
    }
    const link = this.links.get(message.to);
    if (!link) {
      this.droppedMessages++;
      return;
    }
    const stream = this.streamFor(link);
    if (!stream || stream.writableLength > this.bufferMax) {
      this.droppedMessages++;
      return;
    }
    stream.write(messageToWire(message, this.options.clusterId));
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) {
      clearTimeout(link.reopenTimer);
      link.stream?.end();
      link.client.close();
    }
    for (const [id, pending] of this.pendingFetches) {
      clearTimeout(pending.timer);
      pending.callback({ code: grpc.status.UNAVAILABLE, details: "controller shutting down" });
      this.pendingFetches.delete(id);
    }
  }

  private receive(w: WireMessage): Message | undefined {
    const parsed = messageFromWire(w, this.options.clusterId);
    if (!parsed.ok) {
      this.rejectedMessages++;
      this.options.logger.warn({ reason: parsed.reason, from: w.from }, "dropped a malformed Raft message");
      return undefined;
    }
    this.options.onMessage(parsed.message);
    return parsed.message;
  }

  private handleFetch(w: WireMessage, callback: grpc.sendUnaryData<Partial<WireMessage>>): void {
    if (w.type !== "Fetch") {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `Fetch carries a ${w.type} message` });
      return;
    }
    const from = w.from as NodeId;
    const previous = this.pendingFetches.get(from);
    if (previous) {
      clearTimeout(previous.timer);
      previous.callback({ code: grpc.status.ABORTED, details: "superseded by a newer fetch" });
    }
    const timer = setTimeout(() => {
      if (this.pendingFetches.get(from)?.timer !== timer) return;
      this.pendingFetches.delete(from);
      callback({ code: grpc.status.DEADLINE_EXCEEDED, details: "no answer from the Raft core" });
    }, this.fetchTimeoutMs);
    this.pendingFetches.set(from, { callback, timer });
    if (!this.receive(w)) {
      clearTimeout(timer);
      this.pendingFetches.delete(from);
      callback({ code: grpc.status.INVALID_ARGUMENT, details: "malformed Fetch" });
    }
  }

  private streamFor(link: PeerLink): grpc.ClientWritableStream<Partial<WireMessage>> | undefined {
    if (link.stream) return link.stream;
    const now = performance.now();
    if (now < link.retryAtMs) return undefined;
    const stream = link.client.Send(() => {
      // The call ended (peer gone, restarted or shut down): reopen on a later send, after a backoff.
      if (link.stream === stream) {
        link.stream = undefined;
        link.retryAtMs = performance.now() + this.backoffMs;
        this.scheduleReopen(link);
      }
    });
    stream.on("error", () => {
      /* reported through the callback above */
    });
    link.stream = stream;
    return stream;
  }

  private scheduleReopen(link: PeerLink): void {
    if (this.closed || link.reopenTimer) return;
    link.reopenTimer = setTimeout(() => {
      link.reopenTimer = undefined;
      if (!this.closed) this.streamFor(link);
    }, this.backoffMs);
    link.reopenTimer.unref();
  }
}

type FetchStub = grpc.Client & {
  Fetch: (request: Partial<WireMessage>, options: grpc.CallOptions, callback: grpc.requestCallback<WireMessage>) => void;
};

/** An observer's side: one Fetch call to a controller, answered by its core. */
export class RaftFetchClient {
  private readonly clients = new Map<NodeId, FetchStub>();

  constructor(
    private readonly clusterId: string,
    voters: readonly RaftPeer[],
  ) {
    const Service = raftServiceDefinition();
    for (const v of voters) this.clients.set(v.id, new Service(`${v.host}:${v.port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as FetchStub);
  }

  fetch(message: Message, timeoutMs: number): Promise<Message> {
    const client = this.clients.get(message.to);
    if (!client) return Promise.reject(new Error(`no controller ${message.to} in controller.quorum.voters`));
    return new Promise((resolve, reject) => {
      client.Fetch(messageToWire(message, this.clusterId), { deadline: Date.now() + timeoutMs }, (err, w) => {
        if (err || !w) return reject(err ?? new Error("empty Fetch answer"));
        const parsed = messageFromWire(w, this.clusterId);
        if (parsed.ok) resolve(parsed.message);
        else reject(new Error(parsed.reason));
      });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
