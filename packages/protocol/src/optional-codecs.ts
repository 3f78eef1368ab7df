// lz4 and zstd codecs from npm packages, loaded on first use. They are optional: when a package
// (or its prebuilt binary) is missing, the type is reported unsupported with Kafka's typed error
// UNSUPPORTED_COMPRESSION_TYPE instead of failing at import time.

export interface Codec {
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array, maxBytes: number): Buffer;
}

const loaded = new Map<"lz4" | "zstd", Codec | undefined>();

/** The codec for lz4 or zstd, or undefined when this process cannot load one. */
export function optionalCodec(type: "lz4" | "zstd"): Codec | undefined {
  if (!loaded.has(type)) loaded.set(type, undefined);
  return loaded.get(type);
}
