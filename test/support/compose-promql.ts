// The series names a PromQL expression reads, for checking that the Grafana dashboard and the alert
// rules in deploy/ name only series that replog exports (or has promised to export). Not a PromQL
// parser: it removes what cannot be a series name (strings, label matchers, range selectors,
// grouping label lists, numbers and durations) and keeps each identifier that is neither a keyword
// nor followed by "(" (a function or aggregation).

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan"]);

export function seriesNamesIn(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ");
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = s[m.index - 1] ?? " ";
    if (/[0-9.]/.test(before)) continue; // the unit of a duration (5m) or an exponent (1e3)
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    if (s.slice(m.index + m[0].length).trimStart().startsWith("(")) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every `expr` in a Grafana dashboard (panels, nested rows, template variables). */
export function dashboardExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "expr" || k === "query") && typeof x === "string") out.push(x);
        else visit(x);
      }
    }
  };
  visit(dashboard);
  return out;
}
