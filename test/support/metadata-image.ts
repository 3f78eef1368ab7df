// The cluster metadata as a broker sees it, rebuilt from outside: fetch the committed metadata log
// as an observer, then replay snapshot and entries into a MetadataImage. Tests assert on brokers'
// fencing, ISRs and leaders through this, never through a node's memory.

import { logIndex, nodeId, term } from "@replog/common";
import { MetadataDelta, MetadataImage, decodeMetadataEntry, loadSnapshot } from "@replog/metadata";
import { describeQuorum } from "@replog/cli";
import type { RaftPeer } from "@replog/raft-shell";
import type { TestCluster } from "./cluster.js";
import { readCommittedLog } from "./metadata-log.js";

export async function readMetadataImage(cluster: TestCluster): Promise<MetadataImage> {
  const file = cluster.file();
  const voters: RaftPeer[] = file.nodes.filter((n) => n.controllerPort !== null).map((n) => ({ id: nodeId(n.nodeId), host: n.host, port: n.controllerPort! }));
  const running = file.nodes.filter((n) => n.controllerPort !== null && n.state === "running");
  const q = await describeQuorum(running.map((n) => `${n.host}:${n.controllerPort}`).join(","));
  const log = await readCommittedLog(file.clusterId, voters, nodeId(q.leaderId));
  let image = log.snapshot
    ? loadSnapshot(decodeMetadataEntry(log.snapshot.data), { lastIndex: log.snapshot.meta.index, lastTerm: log.snapshot.meta.term })
    : MetadataImage.EMPTY;
  const delta = new MetadataDelta(image);
  for (const e of log.entries) if (e.type === "normal" && e.data.byteLength > 0) for (const r of decodeMetadataEntry(e.data)) delta.replay(r);
  const last = log.entries[log.entries.length - 1];
  if (last) image = delta.apply({ lastIndex: logIndex(last.index), lastTerm: term(last.term) });
  return image;
}
