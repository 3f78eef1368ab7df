// Datadriven interaction tests (etcd's interaction_test.go and testdata/*.txt). Each file in
// ./testdata is a script of stanzas:
//
//   # optional comments
//   command args
//   ----
//   expected output (no blank lines)
//
// separated by blank lines. The commands are documented in test-support/interaction-env.ts.
// `REWRITE=1 pnpm vitest run --project unit packages/raft/src/interaction.test.ts` regenerates
// the expected output; commit the result only if you understand the diff.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InteractionEnv, parseCommand } from "./test-support/interaction-env.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "testdata");
const rewrite = process.env.REWRITE === "1";

interface Stanza {
  comments: string[];
  command: string;
  expected: string;
  line: number;
}

function parse(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith("#") || lines[i]!.trim() === "")) {
      if (lines[i]!.startsWith("#")) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) break;
    const line = i + 1;
    const command = lines[i++]!;
    if (lines[i] !== "----") throw new Error(`line ${i + 1}: expected ---- after "${command}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== "") out.push(lines[i++]!);
    stanzas.push({ comments, command, expected: out.join("\n"), line });
  }
  return stanzas;
}

function render(stanzas: Stanza[], outputs: string[]): string {
  return stanzas.map((s, k) => [...s.comments, s.command, "----", outputs[k]].join("\n")).join("\n\n") + "\n";
}

describe("interaction transcripts", () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".txt")).sort()) {
    it(file, () => {
      const path = join(dir, file);
      const stanzas = parse(readFileSync(path, "utf8"));
      const env = new InteractionEnv();
      const outputs = stanzas.map((s) => env.handle(parseCommand(s.command)));
      if (rewrite) {
        writeFileSync(path, render(stanzas, outputs));
        return;
      }
      stanzas.forEach((s, k) => expect(outputs[k], `${file}:${s.line} ${s.command}`).toBe(s.expected));
    });
  }
});
