// The run's trace: one readable line per thing that happened, in the order it happened.
// Lines are rendered from simulation state only (virtual time, node ids, message fields), never
// from wall time or object identity, so the same seed twice gives a byte-identical trace.
//
// Two modes: `full` keeps every line (replay with `pnpm vopr --seed N`, the determinism test);
// otherwise only the last `tailLines` are kept, for the failure report of a seed range. A running
// FNV-1a hash covers every line in both modes, so runs can be compared without storing them.

export class Trace {
  private readonly lines: string[] = [];
  private start = 0;
  private hashHigh = 0x811c9dc5;
  private hashLow = 0x01000193;
  private count = 0;

  constructor(
    private readonly full: boolean,
    private readonly tailLines = 200,
  ) {}

  add(line: string): void {
    this.count++;
    this.mix(line);
    if (this.full) {
      this.lines.push(line);
      return;
    }
    // A ring buffer of the last `tailLines` lines.
    if (this.lines.length < this.tailLines) this.lines.push(line);
    else {
      this.lines[this.start] = line;
      this.start = (this.start + 1) % this.tailLines;
    }
  }

  get lineCount(): number {
    return this.count;
  }

  /** All kept lines, oldest first. */
  text(): string {
    const ordered = this.full ? this.lines : [...this.lines.slice(this.start), ...this.lines.slice(0, this.start)];
    return ordered.join("\n") + (ordered.length > 0 ? "\n" : "");
  }

  /** The last n kept lines. */
  tail(n: number): string {
    const all = this.text().split("\n").filter((l) => l.length > 0);
    return all.slice(-n).join("\n");
  }

  /** A 64-bit hash of every line added (two FNV-1a lanes), as 16 hex digits. */
  hash(): string {
    return hex8(this.hashHigh) + hex8(this.hashLow);
  }

  private mix(line: string): void {
    let h = this.hashHigh;
    let l = this.hashLow;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h = Math.imul(h ^ c, 0x01000193) >>> 0;
      l = Math.imul(l ^ c, 0x5bd1e995) >>> 0;
    }
    this.hashHigh = Math.imul(h ^ 10, 0x01000193) >>> 0;
    this.hashLow = Math.imul(l ^ 10, 0x5bd1e995) >>> 0;
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** Fixed-width virtual time for trace lines: seconds with millisecond precision. */
export function describeTimeMs(ms: number): string {
  return (ms / 1000).toFixed(3).padStart(8, " ");
}
