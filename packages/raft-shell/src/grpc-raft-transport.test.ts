import { afterEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { logIndex, nullLogger, nodeId, term, type NodeId } from "@replog/common";
import type { Message } from "@replog/raft";
import { GrpcRaftTransport, raftServiceDefinition } from "./grpc-raft-transport.js";
import { messageToWire } from "./raft-wire.js";

const CLUSTER = "AAAAAAAAAAAAAAAAAAAAAA";
const heartbeat: Message = { type: "Heartbeat", from: nodeId(1), to: nodeId(2), term: term(3), commit: logIndex(0) };

type SendStub = grpc.Client & { Send: (cb: grpc.requestCallback<unknown>) => grpc.ClientWritableStream<unknown> };

/** Node 2's transport on a loopback port, and a raw client standing in for node 1's stream to it. */
async function receiver() {
  const received: Message[] = [];
  const lost: NodeId[] = [];
  const server = new grpc.Server();
  const transport = new GrpcRaftTransport({ selfId: nodeId(2), clusterId: CLUSTER, peers: [], logger: nullLogger, onMessage: (m) => received.push(m) });
  transport.addToServer(server);
  transport.watchPeerLoss((peer) => lost.push(peer));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanups.push(() => {
    server.forceShutdown();
    transport.close();
  });
  return { received, lost, port, ...openStream(port) };
}

/** A client's Send stream to the receiver on `port` (node 1's, or a second one claiming to be). */
function openStream(port: number) {
  const Service = raftServiceDefinition();
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as SendStub;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const stream = client.Send(() => resolveEnded());
  stream.on("error", () => undefined);
  cleanups.push(() => client.close());
  return { stream, ended };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}

describe("GrpcRaftTransport peer loss", () => {
  it("reports a peer whose stream is cut off (what a crashed process's reset socket looks like), once", async () => {
    const r = await receiver();
    r.stream.write(messageToWire(heartbeat, CLUSTER));
    await until(() => r.received.length === 1);
    r.stream.cancel();
    await r.ended;
    await until(() => r.lost.length === 1);
    expect(r.lost).toEqual([nodeId(1)]);
  });

  it("reports a peer that ends its stream cleanly (a shutdown), once", async () => {
    const r = await receiver();
    r.stream.write(messageToWire(heartbeat, CLUSTER));
    await until(() => r.received.length === 1);
    r.stream.end();
    await r.ended; // The server answered the call: it has seen the end.
    await until(() => r.lost.length === 1);
    expect(r.lost).toEqual([nodeId(1)]);
  });

  it("does not report a peer while another of its streams is still open (a reconnect, or a forged short stream)", async () => {
    const r = await receiver();
    r.stream.write(messageToWire(heartbeat, CLUSTER));
    await until(() => r.received.length === 1);
    // A second stream claiming the same sender opens and closes: the first one still carries it.
    const other = openStream(r.port);
    other.stream.write(messageToWire(heartbeat, CLUSTER));
    await until(() => r.received.length === 2);
    other.stream.end();
    await other.ended;
    expect(r.lost).toEqual([]);
    // Once the last stream goes, the peer is reported.
    r.stream.cancel();
    await r.ended;
    await until(() => r.lost.length === 1);
    expect(r.lost).toEqual([nodeId(1)]);
  });

  it("does not report a stream that carried no valid message (the sender is unknown)", async () => {
    const r = await receiver();
    r.stream.end();
    await r.ended;
    expect(r.lost).toEqual([]);
  });
});
