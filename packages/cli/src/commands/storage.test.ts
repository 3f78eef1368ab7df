import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../main.js";
import { checkFormatted, randomUuid } from "../server/meta-properties.js";

let dir: string;
let out: string[];
let err: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "replog-cli-"));
  out = [];
  err = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(extra = ""): string {
  const file = join(dir, "server.properties");
  writeFileSync(
    file,
    `process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:19093\nlisteners=CONTROLLER://127.0.0.1:19093\nlog.dirs=${join(dir, "data")}\n${extra}`,
  );
  return file;
}

describe("replog storage", () => {
  it("random-uuid prints a 22-character base64url id", async () => {
    expect(await main(["storage", "random-uuid"])).toBe(0);
    expect(out.join("")).toMatch(/^[A-Za-z0-9_-]{22}\n$/);
  });

  it("format writes meta.properties; a second format needs --ignore-formatted", async () => {
    const id = randomUuid();
    const config = writeConfig();
    expect(await main(["storage", "format", "--config", config, "--cluster-id", id])).toBe(0);
    const meta = readFileSync(join(dir, "data", "meta.properties"), "utf8");
    expect(meta).toContain(`cluster.id=${id}`);
    expect(meta).toContain("node.id=1");
    expect(checkFormatted([join(dir, "data")], 1)).toBe(id);

    expect(await main(["storage", "format", "--config", config, "--cluster-id", id])).toBe(1);
    expect(err.join("")).toMatch(/already formatted/);
    expect(await main(["storage", "format", "--config", config, "--cluster-id", id, "--ignore-formatted"])).toBe(0);
    expect(await main(["storage", "format", "--config", config, "--cluster-id", randomUuid(), "-g"])).toBe(1);
    expect(err.join("")).toMatch(/already formatted for cluster/);
  });

  it("refuses a bad config naming the key, and a node that is not the directory's owner", async () => {
    const config = writeConfig("replica.lag.time.max.ms=soon\n");
    expect(await main(["storage", "format", "--config", config, "--cluster-id", randomUuid()])).toBe(1);
    expect(err.join("")).toMatch(/Invalid config replica\.lag\.time\.max\.ms/);
    const good = writeConfig();
    expect(await main(["storage", "format", "--config", good, "--cluster-id", randomUuid()])).toBe(0);
    expect(() => checkFormatted([join(dir, "data")], 2)).toThrow(/belongs to node 1/);
  });

  it("lets --override win over the file", async () => {
    const config = writeConfig();
    const other = join(dir, "other");
    expect(await main(["storage", "format", "--config", config, "--cluster-id", randomUuid(), "--override", `log.dirs=${other}`])).toBe(0);
    expect(readFileSync(join(other, "meta.properties"), "utf8")).toContain("node.id=1");
  });
});
