// Binds this process's outgoing loopback connections to the node's own address.
//
// Why: on one machine every `replog dev` node has its own 127.x address, and network faults are made
// by iptables rules between those addresses. The kernel would pick 127.0.0.1 as the source of a
// connection to another 127.x address, so a rule "drop node 1 → node 2" would never match. grpc-js
// has no option for a client's local address, so the node sets one on every connection it opens to
// a loopback destination (and only those), before any connection is made.

import net from "node:net";

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function bindOutgoingLoopback(localAddress: string): void {
  if (localAddress === "") return;
  const original = net.connect;
  const bound = function (this: unknown, ...args: unknown[]) {
    const [first] = args;
    if (first !== null && typeof first === "object" && !Array.isArray(first)) {
      const o = first as net.TcpNetConnectOpts;
      if (typeof o.host === "string" && LOOPBACK.test(o.host) && o.localAddress === undefined && o.host !== localAddress) {
        args[0] = { ...o, localAddress };
      }
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.connect;
  net.connect = bound;
  net.createConnection = bound;
}
