// The container healthcheck (Dockerfile HEALTHCHECK and docker-compose.yml): asks this node's own
// /healthz, which answers 200 only when every role of the node is ready (a controller knows the
// quorum leader; a broker is registered and unfenced). curl-free, so the slim image needs nothing
// extra. Exit 0 = healthy, 1 = not; the answer is printed because Docker keeps it for
// `docker inspect`.
//
// The address follows the server's own rule: /healthz is served on the host of the first listener
// in `listeners` (empty or 0.0.0.0 means every interface, so loopback), on `replog.metrics.port`.

const env = process.env;
const port = env.REPLOG_REPLOG_METRICS_PORT;
if (!port || port === "0") {
  console.error("healthcheck: REPLOG_REPLOG_METRICS_PORT must name the node's metrics port");
  process.exit(1);
}
const firstListener = (env.REPLOG_LISTENERS ?? "PLAINTEXT://:9092").split(",")[0] ?? "";
const listenerHost = /^[A-Za-z][A-Za-z0-9_]*:\/\/(\[[^\]]*\]|[^:/]*):\d+$/.exec(firstListener.trim())?.[1] ?? "";
const host = listenerHost === "" || listenerHost === "0.0.0.0" ? "127.0.0.1" : listenerHost;

try {
  const res = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  const body = await res.text();
  console.log(`healthcheck: ${res.status} ${body.trim()}`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (e) {
  console.error(`healthcheck: http://${host}:${port}/healthz: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
