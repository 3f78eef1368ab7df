// @replog/storage: Segmented on-disk partition log (segments, indexes, checkpoints, leader-epoch cache, recovery, retention, compaction) and the file-backed Raft log.
export {};
