// Network partitions between loopback addresses with iptables, for multi-process tests. Rules live
// in a chain of their own (REPLOG-T-<random>) hooked into INPUT and OUTPUT, so healing removes
// exactly what this partitioner added, and a process exit removes it too.

import { execFileSync } from "node:child_process";

export function iptablesAvailable(): boolean {
  try {
    execFileSync("iptables", ["-S", "OUTPUT"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const ipt = (...args: string[]) => execFileSync("iptables", args, { stdio: ["ignore", "ignore", "pipe"] });

const live = new Set<Partitioner>();
process.once("exit", () => {
  for (const p of live) p.remove();
});

export class Partitioner {
  readonly chain = `REPLOG-T-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  private installed = false;

  private install(): void {
    if (this.installed) return;
    ipt("-N", this.chain);
    ipt("-I", "INPUT", "-j", this.chain);
    ipt("-I", "OUTPUT", "-j", this.chain);
    this.installed = true;
    live.add(this);
  }

  /** Drops traffic between a and b in both directions (a black hole: no reset). */
  cut(a: string, b: string, target: "DROP" | "REJECT" = "DROP"): void {
    this.install();
    ipt("-A", this.chain, "-s", a, "-d", b, "-j", target);
    ipt("-A", this.chain, "-s", b, "-d", a, "-j", target);
  }

  /** Cuts `host` off from every address in `others`. */
  isolate(host: string, others: readonly string[], target: "DROP" | "REJECT" = "DROP"): void {
    for (const o of others) if (o !== host) this.cut(host, o, target);
  }

  heal(): void {
    if (this.installed) ipt("-F", this.chain);
  }

  remove(): void {
    if (!this.installed) return;
    for (const args of [["-D", "INPUT", "-j", this.chain], ["-D", "OUTPUT", "-j", this.chain], ["-F", this.chain], ["-X", this.chain]]) {
      try {
        ipt(...args);
      } catch {
        /* best effort: keep removing the rest */
      }
    }
    this.installed = false;
    live.delete(this);
  }
}
