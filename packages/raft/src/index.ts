// @replog/raft: Pure Raft core: tick/step/propose -> ready. No timers, no I/O, no async.
export {};
