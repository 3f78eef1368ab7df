// A small etcd-style datadriven runner: a file is a sequence of blocks
//
//   command arg key=value ...
//   ----
//   expected output (until a blank line)
//
// with `#` comment lines between blocks. `runDataDriven` runs every command through `handle` and
// compares its output with the expected text; with REPLOG_REWRITE=1 the test writes the actual
// output back into the file instead (commit the rewrite only when the diff is understood).

export interface Command {
  readonly name: string;
  readonly positional: readonly string[];
  readonly args: ReadonlyMap<string, string>;
  readonly line: number;
  readonly text: string;
}

interface Block {
  readonly leading: string[];
  readonly command: Command;
  readonly expected: string;
}

function parseCommand(text: string, line: number): Command {
  const [name, ...rest] = text.trim().split(/\s+/);
  const positional: string[] = [];
  const args = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf("=");
    if (eq > 0) args.set(token.slice(0, eq), token.slice(eq + 1));
    else positional.push(token);
  }
  return { name: name!, positional, args, line, text: text.trim() };
}

function parse(content: string): { blocks: Block[]; trailing: string[] } {
  const lines = content.split("\n");
  const blocks: Block[] = [];
  let leading: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#")) {
      leading.push(line);
      continue;
    }
    if (lines[i + 1] !== "----") throw new Error(`line ${i + 1}: command without ---- separator: ${line}`);
    const output: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j] !== "") output.push(lines[j++]!);
    blocks.push({ leading, command: parseCommand(line, i + 1), expected: output.join("\n") });
    leading = [];
    i = j - 1;
  }
  return { blocks, trailing: leading };
}

/**
 * Runs every command of a datadriven file through `handle`. Returns the actual outputs beside the
 * expected ones, and the file rewritten with the actual outputs (for REPLOG_REWRITE=1). Pure: the
 * test reads and writes the file.
 */
export function runDataDriven(
  content: string,
  handle: (command: Command) => string,
): { results: { command: Command; expected: string; actual: string }[]; rewritten: string } {
  const { blocks, trailing } = parse(content);
  const results = blocks.map((block) => ({ command: block.command, expected: block.expected, actual: handle(block.command).trimEnd() }));
  const out: string[] = [];
  blocks.forEach((block, i) => {
    if (i > 0) out.push("");
    out.push(...tidy(block.leading), block.command.text, "----");
    if (results[i]!.actual !== "") out.push(results[i]!.actual);
  });
  const tail = trailing.filter((line) => line.trim() !== "");
  if (tail.length > 0) out.push("", ...tail);
  return { results, rewritten: `${out.join("\n")}\n` };
}

/** Comment lines without leading blank lines, and at most one blank line in a row. */
function tidy(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const blank = line.trim() === "";
    if (blank && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(blank ? "" : line);
  }
  return out;
}
