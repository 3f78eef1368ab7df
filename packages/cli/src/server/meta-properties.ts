// `meta.properties` in every log directory, as `kafka-storage format` writes it: the cluster id,
// the node id and a directory id. A node refuses to start on a directory that is not formatted, or
// that belongs to another cluster or node: mixing up data directories silently is how data is lost.

import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseProperties } from "@replog/common";

export const META_PROPERTIES = "meta.properties";

export interface MetaProperties {
  readonly version: 1;
  readonly clusterId: string;
  readonly nodeId: number;
  readonly directoryId: string;
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
export function randomUuid(): string {
  return randomBytes(16).toString("base64url");
}

export function isValidClusterId(id: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(id);
}

export function readMetaProperties(dir: string): MetaProperties | undefined {
  const path = join(dir, META_PROPERTIES);
  if (!existsSync(path)) return undefined;
  const p = parseProperties(readFileSync(path, "utf8"), path);
  if (p.version !== "1" || !p["cluster.id"] || !p["node.id"] || !p["directory.id"]) {
    throw new Error(`${path} is not a version 1 meta.properties (version, cluster.id, node.id, directory.id)`);
  }
  return { version: 1, clusterId: p["cluster.id"], nodeId: Number(p["node.id"]), directoryId: p["directory.id"] };
}

export type FormatOutcome = "formatted" | "already-formatted";

/**
 * Formats one directory. Formatting again with the same cluster and node id is a no-op (so scripts
 * can run it on every start, as Kafka's `--ignore-formatted`); a different id is refused.
 */
export function formatDirectory(dir: string, clusterId: string, nodeId: number): FormatOutcome {
  if (!isValidClusterId(clusterId)) throw new Error(`cluster id "${clusterId}" is not a 22-character base64url UUID (try: replog storage random-uuid)`);
  mkdirSync(dir, { recursive: true });
  const existing = readMetaProperties(dir);
  if (existing) {
    if (existing.clusterId !== clusterId || existing.nodeId !== nodeId) {
      throw new Error(`${dir} is already formatted for cluster ${existing.clusterId} node ${existing.nodeId}, not cluster ${clusterId} node ${nodeId}`);
    }
    return "already-formatted";
  }
  const text = `#\n#Written by replog storage format\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\ndirectory.id=${randomUuid()}\n`;
  const path = join(dir, META_PROPERTIES);
  writeFileSync(path + ".tmp", text);
  const fd = openSync(path + ".tmp", "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(path + ".tmp", path);
  return "formatted";
}

/** Checks at start-up that every directory is formatted for this node and one cluster; returns the cluster id. */
export function checkFormatted(dirs: readonly string[], nodeId: number): string {
  let clusterId: string | undefined;
  for (const dir of dirs) {
    const meta = readMetaProperties(dir);
    if (!meta) throw new Error(`${dir} is not formatted: run replog storage format --config <file> --cluster-id <id>`);
    if (meta.nodeId !== nodeId) throw new Error(`${dir} belongs to node ${meta.nodeId}, but this is node ${nodeId}`);
    if (clusterId !== undefined && meta.clusterId !== clusterId) throw new Error(`${dir} belongs to cluster ${meta.clusterId}, others to ${clusterId}`);
    clusterId = meta.clusterId;
  }
  if (clusterId === undefined) throw new Error("no log directories configured");
  return clusterId;
}
