// Loads every `.proto` under the repository's `protos/` directory into one gRPC package
// definition, for the shells that create gRPC servers and clients (broker, controller, client).
//
// Options, chosen once here so that every service sees the same shapes:
// - keepCase false: fields are camelCase in JS (`error_code` → `errorCode`).
// - longs as String: int64/uint64 arrive as decimal strings. proto-loader cannot produce bigint,
//   and Number would silently lose precision above 2^53 (producer ids use the whole int64 range);
//   callers convert with BigInt(s) where they need arithmetic.
// - enums as String, defaults true (absent scalars read as their zero value), oneofs true.
// - bytes stay Buffers, so RecordBatch bytes pass through without a copy into another type.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";

/** Where the `.proto` files live: `<repo>/protos`, found relative to this module (src/ or dist/). */
export const PROTOS_DIR: string = fileURLToPath(new URL("../../../protos/", import.meta.url));

export const PROTO_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** Every `.proto` file under `dir`, as paths relative to it, sorted for a stable load order. */
export function protoFiles(dir: string = PROTOS_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".proto"))
    .map((name) => relative(dir, join(dir, name)))
    .sort();
}

/** Loads all protos under `dir` (default PROTOS_DIR) with PROTO_LOADER_OPTIONS. */
export function loadProtos(dir: string = PROTOS_DIR): PackageDefinition {
  return loadSync(protoFiles(dir), { ...PROTO_LOADER_OPTIONS, includeDirs: [dir] });
}
