// Datadriven scenarios for the leader core (etcd's testdata style): each file in `testdata/` is a
// script of commands with the expected transcript, readable as a lesson on one replication rule.
// Regenerate the transcripts with `REPLOG_REWRITE=1 pnpm vitest run --project unit
// packages/broker/src/core/scenarios.test.ts` and commit only a diff you understand.
//
// Commands:
//   leader replicas=1,2,3 isr=1,2,3 epoch=5 min-isr=1 lag=100 [records=EPOCH:COUNT,...] [hw=N]
//   produce acks=all|1 COUNT       append as a producer would (acks=all waits in a purgatory)
//   fetch REPLICA OFFSET [last-epoch=E] [epoch=E]
//   tick MS | shrink | respond ok|ERROR | metadata isr=1,2 | fence REPLICA | unfence REPLICA
//   complete | describe
//   follower records=EPOCH:COUNT,... hw=N    a follower (broker 2) of the current leader
//   round [max=N]                            one fetch round of that follower, carried out

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { leaderEpoch, nodeId, offset } from "@replog/common";
import { describe, expect, it } from "vitest";
import type { AlterPartitionRequest } from "./alter-partition.js";
import { DelayedProduceQueue } from "./delayed-produce.js";
import { describeAlterPartition, describePartitionLeader } from "./describe.js";
import type { FollowerFetchResult } from "./partition-leader.js";
import { partitionErrorCode } from "./partition-error.js";
import { type Command, runDataDriven } from "./test-support/datadriven.js";
import { LeaderFixture } from "./test-support/leader-fixture.js";
import { fetchRound } from "./test-support/replication-pair.js";
import { MemoryPartitionLog } from "./memory-partition-log.js";
import { PartitionFollower } from "./partition-follower.js";

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), "testdata");

const numbers = (text: string | undefined): number[] => (text === undefined || text === "" ? [] : text.split(",").map(Number));

class Scenario {
  private fixture: LeaderFixture | undefined;
  private readonly purgatory = new DelayedProduceQueue<string>(1_000);
  private pending: AlterPartitionRequest | undefined;
  private produced = 0;
  private follower: { follower: PartitionFollower; log: MemoryPartitionLog } | undefined;

  private get f(): LeaderFixture {
    if (this.fixture === undefined) throw new Error("no leader yet: start with `leader ...`");
    return this.fixture;
  }

  handle(command: Command): string {
    const arg = (key: string): string | undefined => command.args.get(key);
    switch (command.name) {
      case "leader":
        return this.becomeLeader(command);
      case "produce":
        return this.produce(arg("acks") === "all", Number(command.positional[0]));
      case "fetch":
        return this.fetch(command);
      case "tick":
        this.f.advance(Number(command.positional[0]));
        return `now=${this.f.nowMs}`;
      case "shrink":
        return this.propose(this.f.leader.maybeShrinkIsr(this.f.log, this.f.nowMs));
      case "respond":
        return this.respond(command.positional[0]!);
      case "metadata":
        return this.metadata(numbers(arg("isr")));
      case "fence":
      case "unfence":
        this.f.brokers.set(Number(command.positional[0]), { fenced: command.name === "fence" });
        return "";
      case "complete":
        return this.complete();
      case "describe":
        return describePartitionLeader(this.f.leader, this.f.log);
      case "follower":
        return this.becomeFollower(command);
      case "round":
        return this.round(Number(arg("max") ?? Number.MAX_SAFE_INTEGER));
      default:
        throw new Error(`unknown command ${command.name}`);
    }
  }

  private becomeFollower(command: Command): string {
    const log = new MemoryPartitionLog();
    appendRuns(log, command.args.get("records"));
    const { follower } = PartitionFollower.becomeFollower({
      localBrokerId: nodeId(2),
      leaderId: nodeId(1),
      leaderEpoch: this.f.leader.state.leaderEpoch,
      log,
      highWatermark: offset(Number(command.args.get("hw") ?? 0)),
    });
    this.follower = { follower, log };
    return `leader log:   ${describeRuns(this.f.log)}\nfollower log: ${describeRuns(log)} hw=${follower.highWatermark}`;
  }

  private round(maxRecords: number): string {
    const { follower, log } = this.follower!;
    const request = follower.buildFetch(log)!;
    const report = fetchRound(this.f, 2, follower, log, maxRecords);
    const answer = report.leaderResult!;
    const answered =
      answer.kind === "diverging"
        ? `diverging epoch=${answer.divergingEpoch.epoch} end-offset=${answer.divergingEpoch.endOffset}`
        : answer.kind === "read"
          ? `read [${answer.fetchOffset},${answer.readUpTo}) hw=${answer.highWatermark}`
          : `error ${answer.error}`;
    const outcome = report.outcome!;
    const did =
      outcome.kind === "truncate"
        ? `truncate to ${outcome.truncateTo}${outcome.complete ? "" : " (another round follows)"}`
        : outcome.kind === "append"
          ? `append ${report.appended}`
          : outcome.kind;
    return [
      `fetch offset=${request.fetchOffset} last-epoch=${request.lastFetchedEpoch} -> ${answered} -> ${did}`,
      `follower log: ${describeRuns(log)} hw=${follower.highWatermark}`,
    ].join("\n");
  }

  private becomeLeader(command: Command): string {
    const records = (command.args.get("records") ?? "").split(",").filter((run) => run !== "");
    this.fixture = new LeaderFixture({
      replicas: numbers(command.args.get("replicas")),
      isr: numbers(command.args.get("isr")),
      leaderEpoch: Number(command.args.get("epoch") ?? 5),
      minInsyncReplicas: Number(command.args.get("min-isr") ?? 1),
      lagTimeMaxMs: Number(command.args.get("lag") ?? 100),
      highWatermark: Number(command.args.get("hw") ?? 0),
      nowMs: 0,
      prepareLog: (log) => appendRuns(log, records.join(",")),
    });
    return describePartitionLeader(this.f.leader, this.f.log);
  }

  private produce(acksAll: boolean, count: number): string {
    const check = this.f.leader.checkProduce(acksAll ? -1 : 1);
    if (check !== "NONE") return `${check} (${partitionErrorCode(check)}): nothing appended`;
    const start = this.f.log.logEndOffset();
    const { requiredOffset, highWatermarkChanged } = this.f.append(count);
    const name = `p${++this.produced}`;
    const lines = [`${name} appended [${start},${requiredOffset}) hw=${this.f.leader.highWatermark}${highWatermarkChanged ? " (moved)" : ""}`];
    if (acksAll) {
      this.purgatory.add({ key: name, requiredOffset, deadlineMs: Infinity });
      lines.push(...this.completions());
    }
    return lines.join("\n");
  }

  private fetch(command: Command): string {
    const [replica, fetchOffset] = command.positional.map(Number);
    const result = this.f.fetch(replica!, fetchOffset!, {
      lastFetchedEpoch: command.args.has("last-epoch") ? Number(command.args.get("last-epoch")) : undefined,
      currentLeaderEpoch: command.args.has("epoch") ? Number(command.args.get("epoch")) : undefined,
    });
    return this.renderFetch(result);
  }

  private renderFetch(result: FollowerFetchResult): string {
    switch (result.kind) {
      case "error":
        return `error ${result.error} (${partitionErrorCode(result.error)})`;
      case "diverging":
        return `diverging epoch=${result.divergingEpoch.epoch} end-offset=${result.divergingEpoch.endOffset} hw=${result.highWatermark}`;
      case "read": {
        const lines = [`read [${result.fetchOffset},${result.readUpTo}) served-hw=${result.highWatermark} hw=${this.f.leader.highWatermark}${result.highWatermarkChanged ? " (moved)" : ""}`];
        if (result.alterPartition !== undefined) lines.push(this.propose(result.alterPartition));
        if (result.highWatermarkChanged) lines.push(...this.completions());
        return lines.join("\n");
      }
    }
  }

  private propose(request: AlterPartitionRequest | undefined): string {
    if (request === undefined) return "no change";
    this.pending = request;
    return describeAlterPartition(request);
  }

  private respond(answer: string): string {
    const request = this.pending;
    if (request === undefined) throw new Error("no AlterPartition to answer");
    const outcome = answer === "ok" ? this.f.acceptAlterPartition(request) : this.f.failAlterPartition(request, answer);
    if (outcome.kind !== "retry") this.pending = undefined;
    switch (outcome.kind) {
      case "committed":
        return [`committed isr=[${outcome.isr}] hw=${this.f.leader.highWatermark}${outcome.highWatermarkChanged ? " (moved)" : ""}`, ...this.completions()].join("\n");
      case "retry":
        return `retry proposal=${outcome.request.proposalId}`;
      case "ignored":
        return `ignored: ${outcome.reason}`;
      default:
        return `${outcome.kind} ${outcome.error}: ${describeIsrStateShort(this.f)}`;
    }
  }

  private metadata(isr: number[]): string {
    const f = this.f;
    const result = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr, partitionEpoch: f.partitionEpoch + 1 }), f.log, f.nowMs);
    this.pending = undefined;
    const head = `applied=${result.applied} isr=[${f.leader.state.isr}] hw=${f.leader.highWatermark}${result.highWatermarkChanged ? " (moved)" : ""}`;
    return [head, ...(result.highWatermarkChanged ? this.completions() : [])].join("\n");
  }

  private complete(): string {
    return this.completions().join("\n");
  }

  private completions(): string[] {
    return this.f.leader
      .completeDelayedProduces(this.purgatory)
      .map((done) => `${done.key} completes ${done.error}${done.error === "NONE" ? "" : ` (${partitionErrorCode(done.error)})`}`);
  }
}

function appendRuns(log: MemoryPartitionLog, runs: string | undefined): void {
  for (const run of (runs ?? "").split(",").filter((text) => text !== "")) {
    const [epoch, count] = run.split(":").map(Number);
    log.appendAsLeader(count!, leaderEpoch(epoch!));
  }
}

/** A log as epoch runs `epoch:count` from its start, plus its epoch-cache entries. */
function describeRuns(log: MemoryPartitionLog): string {
  const runs: string[] = [];
  let current: { epoch: number; count: number } | undefined;
  for (const record of log.read(log.logStartOffset(), Number.MAX_SAFE_INTEGER)) {
    if (current?.epoch === record.epoch) current.count++;
    else {
      if (current !== undefined) runs.push(`${current.epoch}:${current.count}`);
      current = { epoch: record.epoch, count: 1 };
    }
  }
  if (current !== undefined) runs.push(`${current.epoch}:${current.count}`);
  const cache = log.epochEntries().map((entry) => `${entry.epoch}@${entry.startOffset}`);
  return `[${runs.join(" ")}] leo=${log.logEndOffset()} epochs=[${cache.join(" ")}]`;
}

function describeIsrStateShort(f: LeaderFixture): string {
  return `state=${f.leader.state.isrState.kind} isr=[${f.leader.state.isr}] maximal-isr=[${f.leader.state.maximalIsr}]`;
}

describe("datadriven scenarios (testdata/*.txt)", () => {
  const files = readdirSync(TESTDATA).filter((name) => name.endsWith(".txt")).sort();

  it("has scenarios", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(name, () => {
      const path = join(TESTDATA, name);
      const scenario = new Scenario();
      const { results, rewritten } = runDataDriven(readFileSync(path, "utf8"), (command) => scenario.handle(command));
      if (process.env["REPLOG_REWRITE"] === "1") {
        writeFileSync(path, rewritten);
        return;
      }
      for (const result of results) {
        expect(result.actual, `${name}:${result.command.line}: ${result.command.text}`).toBe(result.expected);
      }
    });
  }
});
