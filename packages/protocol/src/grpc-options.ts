// Channel options every replog gRPC client and server uses. Keepalive finds a peer that vanished
// without a TCP reset (a paused process, a black-holed link) within about ten seconds instead of the
// kernel's minutes; reconnect backoff is short because clusters here are small and local.
import type { ChannelOptions } from "@grpc/grpc-js";

export const CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.keepalive_time_ms": 5_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1_000,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
};
