// The config-definition helper. Every knob keeps Kafka's dotted name and default where Kafka has
// the same knob, and maps to exactly one camelCase field, in one place: the definition.
//
//   const def = defineConfig({
//     replicaLagTimeMaxMs: long("replica.lag.time.max.ms", 30_000, { min: 0, doc: "…" }),
//   });
//   const cfg = def.parse({ "replica.lag.time.max.ms": "10000" }); // cfg.replicaLagTimeMaxMs === 10000
//
// Unknown keys and invalid values are refused with a `ConfigError` that names the key.
// Sources (later wins): defaults, a server.properties-style file, REPLOG_* environment variables
// (Kafka's docker mangling rule), `--override key=value`. The pure parts live here; reading files
// and the environment is the caller's business.

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Kafka's error name for a bad config at an admin call. */
  readonly type = "INVALID_CONFIG";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`Invalid config ${key}: ${reason}`);
  }
}

export interface ConfigKey<T> {
  readonly name: string;
  readonly type: string;
  /** `undefined` means required: there is no default. */
  readonly defaultValue: T | undefined;
  readonly doc: string;
  parse(raw: string): T;
  /** The canonical text form, for describe output and round trips. */
  format(value: T): string;
}

interface Options<T> {
  doc?: string;
  validate?: (value: T) => string | undefined;
}
interface NumberOptions extends Options<number> {
  min?: number;
  max?: number;
}

function key<T>(
  name: string,
  type: string,
  defaultValue: T | undefined,
  options: Options<T>,
  parseRaw: (raw: string) => T | undefined,
  format: (value: T) => string = String,
): ConfigKey<T> {
  const parse = (raw: string): T => {
    const value = parseRaw(raw.trim());
    if (value === undefined) throw new ConfigError(name, `value "${raw}" is not a valid ${type}`);
    const problem = options.validate?.(value);
    if (problem !== undefined) throw new ConfigError(name, problem);
    return value;
  };
  return { name, type, defaultValue, doc: options.doc ?? "", parse, format };
}

function numberKey(
  name: string,
  type: string,
  defaultValue: number | undefined,
  options: NumberOptions,
  parseRaw: (raw: string) => number | undefined,
): ConfigKey<number> {
  const { min, max, validate } = options;
  return key(name, type, defaultValue, {
    doc: options.doc,
    validate: (v) => {
      if (min !== undefined && v < min) return `value ${v} must be at least ${min}`;
      if (max !== undefined && v > max) return `value ${v} must be at most ${max}`;
      return validate?.(v);
    },
  }, parseRaw);
}

const INTEGER = /^-?\d+$/;

export function int(name: string, defaultValue: number | undefined, options: NumberOptions = {}): ConfigKey<number> {
  return numberKey(name, "int", defaultValue, options, (raw) => {
    if (!INTEGER.test(raw)) return undefined;
    const n = Number(raw);
    return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
  });
}

/** Kafka's long. JS numbers hold integers exactly up to 2^53, which covers every ms and byte knob. */
export function long(name: string, defaultValue: number | undefined, options: NumberOptions = {}): ConfigKey<number> {
  return numberKey(name, "long", defaultValue, options, (raw) => {
    if (!INTEGER.test(raw)) return undefined;
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : undefined;
  });
}

export function double(name: string, defaultValue: number | undefined, options: NumberOptions = {}): ConfigKey<number> {
  return numberKey(name, "double", defaultValue, options, (raw) => {
    const n = Number(raw);
    return raw !== "" && Number.isFinite(n) ? n : undefined;
  });
}

export function bool(name: string, defaultValue: boolean | undefined, options: Options<boolean> = {}): ConfigKey<boolean> {
  return key(name, "boolean", defaultValue, options, (raw) => {
    const lower = raw.toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : undefined;
  });
}

export function string(name: string, defaultValue: string | undefined, options: Options<string> = {}): ConfigKey<string> {
  return key(name, "string", defaultValue, options, (raw) => raw);
}

export function oneOf<const V extends string>(
  name: string,
  values: readonly V[],
  defaultValue: V | undefined,
  options: Options<V> = {},
): ConfigKey<V> {
  return key(name, `one of [${values.join(", ")}]`, defaultValue, options, (raw) =>
    (values as readonly string[]).includes(raw) ? (raw as V) : undefined,
  );
}

/** A comma-separated list; empty text is the empty list. */
export function list(name: string, defaultValue: readonly string[] | undefined, options: Options<readonly string[]> = {}): ConfigKey<readonly string[]> {
  return key(
    name,
    "list",
    defaultValue,
    options,
    (raw) => (raw === "" ? [] : raw.split(",").map((s) => s.trim())),
    (v) => v.join(","),
  );
}

type Keys = Record<string, ConfigKey<unknown>>;
export type ConfigValues<D> = D extends ConfigDefinition<infer K>
  ? { readonly [F in keyof K]: K[F] extends ConfigKey<infer T> ? T : never }
  : never;

export interface ParseOptions {
  /** Keys that another definition owns (e.g. topic-level keys at the server level). */
  readonly ignore?: (name: string) => boolean;
}

export class ConfigDefinition<K extends Keys> {
  private readonly byName = new Map<string, [field: string, key: ConfigKey<unknown>]>();

  constructor(readonly keys: K) {
    for (const [field, k] of Object.entries(keys)) {
      if (this.byName.has(k.name)) throw new Error(`config ${k.name} defined twice`);
      this.byName.set(k.name, [field, k]);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  key(name: string): ConfigKey<unknown> | undefined {
    return this.byName.get(name)?.[1];
  }

  /** Validates one key and value without building a whole config (for alter-config calls). */
  validate(name: string, raw: string): void {
    const entry = this.byName.get(name);
    if (!entry) throw new ConfigError(name, "unknown configuration key");
    entry[1].parse(raw);
  }

  parse(raw: Readonly<Record<string, string>>, options: ParseOptions = {}): ConfigValues<ConfigDefinition<K>> {
    const out: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(raw)) {
      const entry = this.byName.get(name);
      if (!entry) {
        if (options.ignore?.(name)) continue;
        throw new ConfigError(name, "unknown configuration key");
      }
      out[entry[0]] = entry[1].parse(text);
    }
    for (const [name, [field, k]] of this.byName) {
      if (field in out) continue;
      if (k.defaultValue === undefined) throw new ConfigError(name, "missing required configuration");
      out[field] = k.defaultValue;
    }
    return out as ConfigValues<ConfigDefinition<K>>;
  }

  /** Renders values back to Kafka names and text, sorted by name (for describe output). */
  describe(values: ConfigValues<ConfigDefinition<K>>): Array<{ name: string; value: string; isDefault: boolean }> {
    const rows: Array<{ name: string; value: string; isDefault: boolean }> = [];
    for (const [name, [field, k]] of this.byName) {
      const value = (values as Record<string, unknown>)[field];
      rows.push({ name, value: k.format(value), isDefault: value === k.defaultValue });
    }
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }
}

export function defineConfig<K extends Keys>(keys: K): ConfigDefinition<K> {
  return new ConfigDefinition(keys);
}

// --- sources -------------------------------------------------------------------------------

/**
 * Parses server.properties-style text: `key=value` or `key: value`, `#` and `!` comments,
 * blank lines. Line continuations and unicode escapes of java.util.Properties are not supported
 * and are refused rather than misread.
 */
export function parseProperties(text: string, source = "properties"): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("!")) return;
    if (trimmed.endsWith("\\")) throw new ConfigError(`${source}:${i + 1}`, "line continuations are not supported");
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigError(`${source}:${i + 1}`, `cannot parse line "${trimmed}" (expected key=value)`);
    out[m[1]!] = m[2]!;
  });
  return out;
}

export const ENV_PREFIX = "REPLOG_";

/**
 * Kafka's docker rule, reversed: in the variable name `___` is `-`, `__` is `_`, `_` is `.`,
 * and the rest is lower-cased. REPLOG_REPLICA_LAG_TIME_MAX_MS → replica.lag.time.max.ms.
 */
export function envNameToConfigKey(envName: string): string | undefined {
  if (!envName.startsWith(ENV_PREFIX)) return undefined;
  const fromUnderscores: Record<string, string> = { ___: "-", __: "_", _: "." };
  return envName
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/___|__|_/g, (run) => fromUnderscores[run]!);
}

/** Kafka's docker rule: `.`→`_`, `_`→`__`, `-`→`___`, upper-cased, with the REPLOG_ prefix. */
export function configKeyToEnvName(name: string): string {
  const toUnderscores: Record<string, string> = { ".": "_", _: "__", "-": "___" };
  return ENV_PREFIX + name.replace(/[._-]/g, (c) => toUnderscores[c]!).toUpperCase();
}

/** Picks the REPLOG_* variables out of an environment and turns them into config keys. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || skip.includes(name)) continue;
    const k = envNameToConfigKey(name);
    if (k !== undefined) out[k] = value;
  }
  return out;
}

/** Parses `key=value` from `--override key=value`. */
export function parseOverride(text: string): [string, string] {
  const i = text.indexOf("=");
  if (i <= 0) throw new ConfigError(text, "an override must look like key=value");
  return [text.slice(0, i).trim(), text.slice(i + 1)];
}
