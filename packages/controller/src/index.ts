// @replog/controller: KRaft-style controller: pure managers plus the QuorumController shell (Raft driver, gRPC services).
export {};
