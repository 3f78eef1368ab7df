// @replog/broker: the broker. The pure partition core (src/core) decides replication; the shells
// (src/shell) follow the metadata log, talk to the controller and serve clients.
export * from "./core/index.js";
export { BrokerRole, type BrokerContext } from "./shell/broker-role.js";
