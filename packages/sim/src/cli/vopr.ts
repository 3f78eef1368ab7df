// `pnpm vopr`: replay one simulated run with its readable trace, or run a range of seeds and
// report the first that fails (TigerBeetle's VOPR). Two simulations: the Raft quorum (default)
// and, with `--data-plane`, brokers running the partition core. The only impure file of
// @replog/sim: it reads argv, prints, and measures wall time for the summary.
//
//   pnpm vopr --seed 42                     replay seed 42, printing every trace line
//   pnpm vopr --seeds 1..1000               run a range; print the first failing seed and how to replay it
//   pnpm vopr --seeds 1..200 --bug commitPreviousTermByCounting
//   pnpm vopr --data-plane --seed 7         the data-plane simulation (brokers, ISR, HW, acks)
//   pnpm vopr --data-plane --seeds 1..500 --bug hwOverShrinkingIsr|truncateToHighWatermark|expandBelowEpochStart
//            [--world leader-crashes] [--no-truncation-checks]  (end-to-end data-plane properties only)
//   options: --bug NAME (a planted bug), --no-rule-checks (end-to-end properties only),
//            --world stale-votes|figure-8 (pin the world to a bug-hunting preset),
//            --chaos-ms N (length of the fault phase), --quiet (--seed: summary only),
//            --keep-going (--seeds: list every failing seed instead of stopping at the first)

import { parseArgs } from "node:util";
import {
  SimulationFailure,
  dataPlanePlantedBugs,
  dataPlaneWorlds,
  plantedBugs,
  runDataPlaneSimulation,
  runRaftSimulation,
  worldPresets,
  type DataPlanePlantedBug,
  type DataPlaneWorld,
  type PlantedBug,
  type RaftSimulationOptions,
  type WorldPreset,
} from "../index.js";

interface Cli {
  readonly seed?: number;
  readonly range?: { from: number; to: number };
  readonly options: Omit<RaftSimulationOptions, "seed">;
  /** Run the data-plane simulation instead of the Raft one. */
  readonly dataPlane: boolean;
  readonly dataPlaneBug: DataPlanePlantedBug | undefined;
  readonly truncationChecks: boolean;
  readonly dataPlaneWorld: DataPlaneWorld | undefined;
  readonly quiet: boolean;
  readonly keepGoing: boolean;
  readonly replayFlags: string;
}

const USAGE = [
  "usage: pnpm vopr (--seed N | --seeds A..B) [--bug countVotesFromOlderTerms|commitPreviousTermByCounting] [--no-rule-checks] [--world stale-votes|figure-8] [--chaos-ms N] [--quiet] [--keep-going]",
  "       pnpm vopr --data-plane (--seed N | --seeds A..B) [--bug hwOverShrinkingIsr|truncateToHighWatermark|expandBelowEpochStart] [--world leader-crashes] [--no-truncation-checks] [--chaos-ms N] [--quiet] [--keep-going]",
].join("\n");

function parse(argv: readonly string[]): Cli {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: "string" },
      seeds: { type: "string" },
      bug: { type: "string" },
      world: { type: "string" },
      "no-rule-checks": { type: "boolean", default: false },
      "data-plane": { type: "boolean", default: false },
      "no-truncation-checks": { type: "boolean", default: false },
      "chaos-ms": { type: "string" },
      quiet: { type: "boolean", default: false },
      "keep-going": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help === true || (values.seed === undefined) === (values.seeds === undefined)) throw new Error(USAGE);
  const dataPlane = values["data-plane"] === true;
  const bug = values.bug;
  const bugs: readonly string[] = dataPlane ? dataPlanePlantedBugs : plantedBugs;
  if (bug !== undefined && !bugs.includes(bug)) throw new Error(`unknown bug ${bug}; one of ${bugs.join(", ")}`);
  if (dataPlane && values["no-rule-checks"] === true) throw new Error("--no-rule-checks is a Raft option");
  const truncationChecks = values["no-truncation-checks"] !== true;
  if (!dataPlane && !truncationChecks) throw new Error("--no-truncation-checks is a --data-plane option");
  const world = values.world;
  const worlds: readonly string[] = dataPlane ? dataPlaneWorlds : worldPresets;
  if (world !== undefined && !worlds.includes(world)) throw new Error(`unknown world ${world}; one of ${worlds.join(", ")}`);
  const chaosMs = values["chaos-ms"] === undefined ? undefined : integer(values["chaos-ms"], "--chaos-ms");
  const options: Omit<RaftSimulationOptions, "seed"> = {
    ...(bug === undefined || dataPlane ? {} : { plantedBug: bug as PlantedBug }),
    ...(world === undefined || dataPlane ? {} : { world: world as WorldPreset }),
    ...(values["no-rule-checks"] === true ? { ruleChecks: false } : {}),
    ...(chaosMs === undefined ? {} : { chaosDurationMs: chaosMs }),
  };
  const replayFlags = [dataPlane ? " --data-plane" : "", truncationChecks ? "" : " --no-truncation-checks", bug === undefined ? "" : ` --bug ${bug}`, world === undefined ? "" : ` --world ${world}`, values["no-rule-checks"] === true ? " --no-rule-checks" : "", chaosMs === undefined ? "" : ` --chaos-ms ${chaosMs}`].join("");
  const quiet = values.quiet === true;
  const keepGoing = values["keep-going"] === true;
  const common = { options, dataPlane, dataPlaneBug: dataPlane ? (bug as DataPlanePlantedBug | undefined) : undefined, truncationChecks, dataPlaneWorld: dataPlane ? (world as DataPlaneWorld | undefined) : undefined, quiet, keepGoing, replayFlags };
  if (values.seed !== undefined) return { seed: integer(values.seed, "--seed"), ...common };
  const m = /^(\d+)\.\.(\d+)$/.exec(values.seeds!);
  if (m === null || Number(m[1]) > Number(m[2])) throw new Error(`--seeds wants A..B with A <= B, got ${values.seeds}`);
  return { range: { from: Number(m[1]), to: Number(m[2]) }, ...common };
}

function integer(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} wants a non-negative integer, got ${text}`);
  return n;
}

/** Runs one seed of the chosen simulation; returns its trace and a one-line summary, or throws SimulationFailure. */
function runOne(cli: Cli, seed: number, fullTrace: boolean): { trace: { text(): string }; summary: string } {
  if (cli.dataPlane) {
    const r = runDataPlaneSimulation({ seed, fullTrace, truncationChecks: cli.truncationChecks, ...(cli.dataPlaneWorld === undefined ? {} : { world: cli.dataPlaneWorld }), ...(cli.dataPlaneBug === undefined ? {} : { plantedBug: cli.dataPlaneBug }), ...(cli.options.chaosDurationMs === undefined ? {} : { chaosDurationMs: cli.options.chaosDurationMs }) });
    const s = r.stats;
    const summary = `seed ${seed}: ok after ${s.events} events, ${r.endMs} virtual ms; ${s.produced} produces, ${s.ackedAll} acks=all and ${s.ackedOne} acks=1 records acknowledged, ${s.elections} elections (${s.uncleanElections} unclean), ${s.crashes} crashes, ${s.partitions} partitions, ${s.pauses} pauses; trace ${r.trace.lineCount} lines, hash ${r.trace.hash()}`;
    return { trace: r.trace, summary };
  }
  const r = runRaftSimulation({ ...cli.options, seed, fullTrace });
  const s = r.stats;
  const summary = `seed ${seed}: ok after ${s.events} events, ${r.endMs} virtual ms; highest term ${s.highestTerm}, ${s.highestCommitted} entries committed, ${s.crashes} crashes, ${s.partitions} partitions, ${s.pauses} pauses; trace ${r.trace.lineCount} lines, hash ${r.trace.hash()}`;
  return { trace: r.trace, summary };
}

function replayOne(cli: Cli, seed: number): number {
  try {
    const r = runOne(cli, seed, !cli.quiet);
    if (!cli.quiet) process.stdout.write(r.trace.text());
    console.log(r.summary);
    return 0;
  } catch (error) {
    if (!(error instanceof SimulationFailure)) throw error;
    if (!cli.quiet) process.stdout.write(error.trace.text());
    console.log(`seed ${seed}: FAILED at event ${error.eventNumber} (${error.timeMs} virtual ms): ${error.violation.message}`);
    return 1;
  }
}

function runRange(cli: Cli, from: number, to: number): number {
  const startedMs = performance.now();
  const failed: number[] = [];
  for (let seed = from; seed <= to; seed++) {
    try {
      runOne(cli, seed, false);
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      failed.push(seed);
      if (cli.keepGoing) {
        console.log(`seed ${seed}: FAILED at event ${error.eventNumber}: ${error.violation.message}`);
        continue;
      }
      console.log(error.trace.tail(40));
      console.log(`\nseed ${seed}: FAILED at event ${error.eventNumber} (${error.timeMs} virtual ms): ${error.violation.message}`);
      console.log(`${seed - from} seeds passed before it (${from}..${seed - 1}).`);
      console.log(`replay: pnpm vopr --seed ${seed}${cli.replayFlags}`);
      return 1;
    }
    if ((seed - from + 1) % 100 === 0) console.log(`... ${seed - from + 1} seeds run, ${failed.length} failed`);
  }
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  const count = to - from + 1;
  if (failed.length === 0) console.log(`all ${count} seeds ${from}..${to} passed in ${seconds} s`);
  else console.log(`${failed.length} of ${count} seeds ${from}..${to} failed (${failed.join(", ")}) in ${seconds} s; replay one with: pnpm vopr --seed ${failed[0]}${cli.replayFlags}`);
  return failed.length === 0 ? 0 : 1;
}

function main(): number {
  let cli: Cli;
  try {
    cli = parse(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  return cli.seed !== undefined ? replayOne(cli, cli.seed) : runRange(cli, cli.range!.from, cli.range!.to);
}

// `pnpm vopr --seed 1 | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = main();
