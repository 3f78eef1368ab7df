// Stable renderings of the partition core (STYLE: describeX). The scenario doubles as a short
// walk through a follower falling out of the ISR and back in; a change to any rendering or rule
// shows up here as a readable diff.

import { leaderEpoch, nodeId, offset } from "@replog/common";
import { describe, expect, it } from "vitest";
import { describeAlterPartition, describePartitionFollower, describePartitionLeader } from "./describe.js";
import { PartitionFollower } from "./partition-follower.js";
import { LeaderFixture } from "./test-support/leader-fixture.js";

describe("describe*", () => {
  it("renders a leader, its followers and its ISR proposals", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 100, minInsyncReplicas: 2 });
    const transcript: string[] = [];
    const show = (line: string) => transcript.push(line);
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 4);
    show(describePartitionLeader(f.leader, f.log));
    f.append(5);
    f.advance(150);
    f.fetch(2, 15);
    const shrink = f.leader.maybeShrinkIsr(f.log, f.nowMs)!;
    show(describeAlterPartition(shrink));
    show(describePartitionLeader(f.leader, f.log));
    f.acceptAlterPartition(shrink);
    show(describePartitionLeader(f.leader, f.log));
    const read = f.fetch(3, 15);
    if (read.kind === "read" && read.alterPartition !== undefined) show(describeAlterPartition(read.alterPartition));
    expect(transcript.join("\n")).toBe(EXPECTED);
  });

  it("renders a follower", () => {
    const f = new LeaderFixture();
    const { follower } = PartitionFollower.becomeFollower({
      localBrokerId: nodeId(2),
      leaderId: nodeId(1),
      leaderEpoch: leaderEpoch(5),
      log: f.log,
      highWatermark: offset(0),
    });
    expect(describePartitionFollower(follower, f.log)).toBe(
      "follower 2: leader=1 leader-epoch=5 state=fetching fetch-offset=0 log-start=0 hw=0 leo=0 last-epoch=5",
    );
  });
});

const EXPECTED = [
  "leader 1: leader-epoch=5 partition-epoch=10 replicas=[1,2,3] committed isr=[1,2,3] maximal-isr=[1,2,3] min-isr=2 log-start=0 hw=4 leo=10 epoch-start=0",
  "  replica 2: leo=10 log-start=0 last-caught-up=1000 last-fetch=1000 last-fetch-leader-leo=10 broker-epoch=102",
  "  replica 3: leo=4 log-start=0 last-caught-up=1000 last-fetch=1000 last-fetch-leader-leo=10 broker-epoch=103",
  "alter-partition proposal=1 leader-epoch=5 partition-epoch=10 new-isr=[1@101,2@102] reason=shrink out-of-sync=3(leo=4 last-caught-up=150ms-ago)",
  // A pending shrink: the HW still waits for replica 3 until the controller commits.
  "leader 1: leader-epoch=5 partition-epoch=10 replicas=[1,2,3] pending-shrink isr=[1,2,3] removing=[3] proposal=1 maximal-isr=[1,2,3] min-isr=2 log-start=0 hw=4 leo=15 epoch-start=0",
  "  replica 2: leo=15 log-start=0 last-caught-up=1150 last-fetch=1150 last-fetch-leader-leo=15 broker-epoch=102",
  "  replica 3: leo=4 log-start=0 last-caught-up=1000 last-fetch=1000 last-fetch-leader-leo=10 broker-epoch=103",
  "leader 1: leader-epoch=5 partition-epoch=11 replicas=[1,2,3] committed isr=[1,2] maximal-isr=[1,2] min-isr=2 log-start=0 hw=15 leo=15 epoch-start=0",
  "  replica 2: leo=15 log-start=0 last-caught-up=1150 last-fetch=1150 last-fetch-leader-leo=15 broker-epoch=102",
  "  replica 3: leo=4 log-start=0 last-caught-up=1000 last-fetch=1000 last-fetch-leader-leo=10 broker-epoch=103",
  // Replica 3 catches up to the HW (and the epoch start): proposed back into the ISR.
  "alter-partition proposal=2 leader-epoch=5 partition-epoch=11 new-isr=[1@101,2@102,3@103] reason=expand replica=3 leo=15 hw=15",
].join("\n");
