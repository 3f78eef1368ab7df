// @replog/sim: Deterministic simulator: real Raft, controller and partition cores under a seeded clock, network and disk.
export {};
