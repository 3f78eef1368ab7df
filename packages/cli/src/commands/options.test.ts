import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adminSettings, readClientProperties } from "./options.js";

const dir = mkdtempSync(join(tmpdir(), "replog-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("client properties files (--command-config, --producer.config, --consumer.config)", () => {
  it("reads Kafka's properties syntax, leaving bootstrap.servers to the flag", () => {
    const path = file("admin.properties", "# comment\nrequest.timeout.ms=5000\nbootstrap.servers=elsewhere:9092\nsecurity.protocol=PLAINTEXT\nclient.id = ops\n");
    expect(readClientProperties(path, "--command-config")).toEqual({ "request.timeout.ms": "5000", "client.id": "ops" });
    expect(readClientProperties(undefined, "--command-config")).toEqual({});
  });

  it("refuses a protocol replog does not speak, and a missing file, naming the flag", () => {
    expect(() => readClientProperties(file("ssl.properties", "security.protocol=SSL\n"), "--command-config")).toThrow(/security.protocol=SSL is not supported; replog speaks PLAINTEXT only/);
    expect(() => readClientProperties(join(dir, "missing.properties"), "--producer.config")).toThrow(/^--producer.config .*missing.properties: ENOENT/);
  });

  it("maps admin settings and warns about unknown keys, as Kafka's AdminClient", () => {
    const warnings: string[] = [];
    const s = adminSettings({ "request.timeout.ms": "5000", retries: "2", "retry.backoff.ms": "50", "client.id": "ops", "sasl.mechanism": "PLAIN" }, (l) => warnings.push(l));
    expect(s).toEqual({ clientId: "ops", requestTimeout: 5000, retry: { retries: 2, initialRetryTime: 50 } });
    expect(warnings).toEqual(["WARN The configuration 'sasl.mechanism' was supplied but isn't a known config."]);
    expect(() => adminSettings({ "request.timeout.ms": "soon" })).toThrow("Invalid value soon for configuration request.timeout.ms: must be a non-negative integer");
  });
});
