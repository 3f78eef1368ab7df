// The checked-in descriptor must match protos/replog/metadata.proto (scripts/gen-descriptor.mjs).
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { METADATA_DESCRIPTOR } from "./metadata-descriptor.generated.js";

describe("metadata descriptor", () => {
  it("is current with protos/replog/metadata.proto (else run `pnpm --filter @replog/metadata gen:descriptor`)", () => {
    const text = readFileSync(new URL("../../../protos/replog/metadata.proto", import.meta.url), "utf8");
    const fromProto = protobuf.parse(text, { keepCase: false }).root.toJSON();
    expect(JSON.parse(JSON.stringify(METADATA_DESCRIPTOR))).toEqual(JSON.parse(JSON.stringify(fromProto)));
  });
});
