// Package boundaries from DESIGN.md section 4 ("must not import"), checked by `pnpm check`.
// Each rule names the package that must not reach the others.
const pkg = (name) => `^packages/${name}/`;
const anyOf = (...names) => `^packages/(${names.join("|")})/`;
const forbid = (name, from, to, comment) => ({ name, severity: "error", comment, from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    forbid("common-is-a-leaf", pkg("common"), anyOf("protocol", "storage", "raft", "raft-shell", "metadata", "controller", "broker", "client", "cli", "sim", "chaos"), "common imports no other package"),
    forbid("protocol-below-roles", pkg("protocol"), anyOf("storage", "raft", "raft-shell", "metadata", "controller", "broker", "client", "cli", "sim", "chaos"), "protocol must not import raft, controller, broker, client"),
    forbid("storage-below-roles", pkg("storage"), anyOf("raft", "metadata", "controller", "broker", "client", "cli", "sim", "chaos"), "storage must not import raft, controller, broker"),
    forbid("raft-is-pure", pkg("raft"), anyOf("protocol", "storage", "raft-shell", "metadata", "controller", "broker", "client", "cli", "sim", "chaos"), "raft imports only common"),
    forbid("raft-shell-below-roles", pkg("raft-shell"), anyOf("controller", "broker", "client", "cli", "sim", "chaos"), "raft-shell serves controllers and brokers; it knows neither"),
    forbid("metadata-is-pure", pkg("metadata"), anyOf("storage", "raft", "raft-shell", "controller", "broker", "client", "cli", "sim", "chaos"), "metadata must not import I/O, controller, broker"),
    forbid("controller-not-broker", pkg("controller"), anyOf("broker", "client", "cli", "sim", "chaos"), "controller must not import broker, client"),
    forbid("broker-not-controller", pkg("broker"), anyOf("controller", "raft", "client", "cli", "sim", "chaos"), "broker must not import controller internals, client"),
    forbid("client-is-standalone", pkg("client"), anyOf("broker", "controller", "raft", "raft-shell", "storage", "metadata", "cli", "sim", "chaos"), "client must not import broker, controller, raft, storage"),
    forbid("chaos-is-black-box", pkg("chaos"), anyOf("broker", "controller", "raft", "raft-shell", "storage", "metadata", "sim"), "chaos drives the cluster as a black box"),
    forbid("sim-no-shells", pkg("sim"), anyOf("storage", "raft-shell", "client", "cli", "chaos"), "sim runs the pure cores, never real I/O"),
    {
      name: "sim-only-broker-core",
      severity: "error",
      comment: "the simulator runs the broker's pure partition core, never its shells",
      from: { path: pkg("sim") },
      to: { path: pkg("broker"), pathNot: "^packages/broker/src/core/" },
    },
    forbid("cores-stay-pure", "^packages/(controller|broker)/src/core/", ["^packages/storage/", "^packages/raft-shell/", "^packages/protocol/src/(load-protos|controller-client|grpc-options)", "^node_modules/(@grpc|pino|prom-client)"], "a core decides; its shell acts"),
    forbid("no-reaching-into-src", "^packages/", "^packages/[^/]+/(src|dist)/.*", "") && {
      name: "no-deep-imports",
      severity: "error",
      comment: "import another package by its name (@replog/x), never by a relative path into it",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/([^/]+)/", pathNot: "^packages/$1/" , dependencyTypes: ["local"] },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      comment: "every import resolves: a package used must be declared in the importing package.json",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules)/" },
    tsConfig: { fileName: "tsconfig.check.json" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@replog/source", "import", "types", "default"],
      extensions: [".ts", ".js"],
    },
    moduleSystems: ["es6", "cjs"],
  },
};
