// @replog/cli: the `replog` executable (see bin/replog.ts) and its program, for tests.
export { buildProgram, main } from "./main.js";
export { loadServerConfig, mergeConfigSources } from "./server/load-config.js";
export { formatDirectory, checkFormatted, randomUuid, readMetaProperties } from "./server/meta-properties.js";
export { describeQuorum, quorumStatus, replicationRows } from "./commands/metadata-quorum.js";
export type { ClusterFile, ClusterNode } from "./dev/cluster-file.js";
