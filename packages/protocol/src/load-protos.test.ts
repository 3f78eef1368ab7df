import { describe, expect, it } from "vitest";
import { loadProtos, protoFiles } from "./load-protos.js";

describe("loadProtos", () => {
  it("finds the protos of the repository", () => {
    expect(protoFiles()).toContain("replog/common.proto");
  });

  it("loads the record-batch carrier and the per-partition error, with camelCase fields (keepCase false)", () => {
    const definition = loadProtos();
    const batches = definition["replog.common.RecordBatches"];
    const error = definition["replog.common.PartitionError"];
    expect(batches).toBeDefined();
    expect(error).toBeDefined();
    const fields = (d: unknown) => (d as { type: { field: Array<{ name: string; type: string }> } }).type.field.map((f) => [f.name, f.type]);
    expect(fields(batches)).toEqual([["records", "TYPE_BYTES"]]);
    expect(fields(error)).toEqual([
      ["errorCode", "TYPE_INT32"],
      ["errorName", "TYPE_STRING"],
      ["errorMessage", "TYPE_STRING"],
    ]);
  });
});
