// The grpc-js ceiling for pnpm bench:replication: one bare bidi stream between two processes whose
// server writes every message straight back (identity serializers, no protobuf), so what is
// measured is grpc-js and HTTP/2 alone, with nothing of replog in the way
// (shared/reference/performance.md B2). Run as a child with `serve`, it listens on an ephemeral
// loopback port and tells its parent the port over IPC; the parent imports `runEcho`.

import * as grpc from "@grpc/grpc-js";

const identity = (b) => b;
const SERVICE = {
  echo: {
    path: "/replog.bench.Echo/Echo",
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
// Room for the largest produce request the client builds (max.request.size 1 MiB) plus framing.
const OPTIONS = { "grpc.max_receive_message_length": 8 * 1024 * 1024, "grpc.max_send_message_length": 8 * 1024 * 1024 };

function serve() {
  const server = new grpc.Server(OPTIONS);
  server.addService(SERVICE, {
    echo(call) {
      call.on("data", (buf) => call.write(buf));
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  });
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.send({ port });
  });
  // The parent going away (even by SIGKILL) closes the IPC channel: leave with it.
  process.on("disconnect", () => process.exit(0));
}

/**
 * Keeps at most `window` messages of `size` bytes un-echoed on one stream for `warmupMs` and then
 * `measureMs`, and reports the echoed messages per second and each message's round trip (µs) into
 * `histogram`.
 */
export async function runEcho({ port, size, window, warmupMs, measureMs, histogram }) {
  const Client = grpc.makeGenericClientConstructor(SERVICE, "Echo");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), OPTIONS);
  const call = client.echo();
  const payload = Buffer.alloc(size, 0x61);
  const sentAt = [];
  let measuring = false;
  let stopping = false;
  let echoed = 0;
  const send = () => {
    sentAt.push(performance.now());
    call.write(payload);
  };
  const finished = new Promise((resolve, reject) => {
    call.on("data", () => {
      const t0 = sentAt.shift();
      if (measuring) {
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        echoed++;
      }
      if (!stopping) send();
      else if (sentAt.length === 0) call.end();
    });
    call.on("end", resolve);
    call.on("error", reject);
  });
  for (let i = 0; i < window; i++) send();
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  const seconds = (performance.now() - t0) / 1000;
  measuring = false;
  stopping = true;
  await finished;
  client.close();
  return { messagesPerSecond: echoed / seconds, bytesPerSecond: (echoed * size) / seconds };
}

if (process.argv[2] === "serve") serve();
