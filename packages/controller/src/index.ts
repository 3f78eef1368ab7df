// @replog/controller: the KRaft-style controller. Pure managers live in src/core (the decisions);
// the shell in src/shell runs the metadata quorum (on @replog/raft-shell) and serves the controller API.
export { ControllerRole, type ControllerContext } from "./shell/controller-role.js";
export { QuorumController, NotControllerError } from "./shell/quorum-controller.js";
export * from "./core/index.js";
