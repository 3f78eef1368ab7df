import { describe, expect, it } from "vitest";
import { KAFKA_ERRORS } from "@replog/protocol";
import { CONTROLLER_ERROR_CODES } from "./controller-errors.js";

describe("controller error table", () => {
  it("uses Kafka's names and codes, as @replog/protocol's table has them", () => {
    for (const [name, code] of Object.entries(CONTROLLER_ERROR_CODES)) {
      expect(KAFKA_ERRORS[name]?.code, name).toBe(code);
    }
  });
});
