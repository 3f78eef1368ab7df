// lz4 and zstd codecs from npm packages, loaded on first use. A codec whose package (or its
// prebuilt binary) cannot be loaded is reported unsupported, and using it is Kafka's typed error
// UNSUPPORTED_COMPRESSION_TYPE (76) rather than a crash at import time.
//
// - lz4 (attribute 3): `lz4-napi` (napi-rs, prebuilt binaries shipped as optional npm
//   dependencies, no install script), LZ4 *frame* format as Kafka requires (Kafka's
//   Lz4BlockOutputStream/Lz4BlockInputStream): magic 04 22 4D 18, version 1, independent blocks.
//   lz4-napi writes independent blocks without checksums (FLG 0x60) and a correct header
//   checksum, which Kafka reads; Kafka-written frames (FLG 0x60, BD 0x40) decode here (tested).
// - zstd (attribute 4): unsupported. No zstd package met the bar on Node 20: `zstd-napi` and
//   `@mongodb-js/zstd` 2.x+ download their binaries in an install script (prebuild-install),
//   which a registry-only machine cannot do and pnpm does not run by default; `@mongodb-js/zstd`
//   1.x ships prebuilt binaries but only an async API, and this codec is synchronous.
import { createRequire } from "node:module";

export interface Codec {
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array, maxBytes: number): Buffer;
}

interface Lz4Napi {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

function loadLz4(): Codec | undefined {
  let lz4: Lz4Napi;
  try {
    lz4 = createRequire(import.meta.url)("lz4-napi") as Lz4Napi;
  } catch {
    return undefined;
  }
  return {
    compress: (data) => lz4.compressFrameSync(asBuffer(data)),
    // lz4-napi has no output bound; the caller checks the size after the fact. Batches are
    // bounded by the broker's max message size before they are ever decompressed.
    decompress: (data) => lz4.decompressFrameSync(asBuffer(data)),
  };
}

const loaded = new Map<"lz4" | "zstd", Codec | undefined>();

/** The codec for lz4 or zstd, or undefined when this process cannot load one. */
export function optionalCodec(type: "lz4" | "zstd"): Codec | undefined {
  if (!loaded.has(type)) loaded.set(type, type === "lz4" ? loadLz4() : undefined);
  return loaded.get(type);
}
