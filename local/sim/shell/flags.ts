export interface FlagSpec {
  name: string;
  short?: string;
  type: "bool" | "string" | "strings";
}

export interface ParsedFlags {
  args: string[];
  bool: Map<string, boolean>;
  string: Map<string, string>;
  strings: Map<string, string[]>;
  /** Flags in command-line order, for the record of what was run. */
  given: string[];
}

export type FlagResult = { ok: true; flags: ParsedFlags } | { ok: false; reason: string };

/** A cobra/pflag-style parser: `--name value`, `--name=value`, `-n value`, `-nvalue`, bools, `--` ends flags. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): FlagResult {
  const flags: ParsedFlags = { args: [], bool: new Map(), string: new Map(), strings: new Map(), given: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      flags.args.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let display: string;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      spec = specs.find((s) => s.name === name);
      display = `--${name}`;
      if (!spec) return { ok: false, reason: `unknown flag: --${name}` };
    } else if (arg.startsWith("-") && arg.length > 1) {
      const letter = arg[1] ?? "";
      spec = specs.find((s) => s.short === letter);
      display = `-${letter}, --${spec?.name ?? ""}`;
      if (!spec) return { ok: false, reason: `unknown shorthand flag: '${letter}' in ${arg}` };
      const rest = arg.slice(2);
      inline = rest === "" ? undefined : rest.startsWith("=") ? rest.slice(1) : rest;
    } else {
      flags.args.push(arg);
      continue;
    }
    if (spec.type === "bool") {
      const value = inline ?? "true";
      if (value !== "true" && value !== "false") {
        return {
          ok: false,
          reason: `invalid argument "${value}" for "${display}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
        };
      }
      flags.bool.set(spec.name, value === "true");
      flags.given.push(`--${spec.name}${inline !== undefined ? `=${value}` : ""}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined)
        return {
          ok: false,
          reason: `flag needs an argument: ${arg.startsWith("--") ? arg : `'${arg[1] ?? ""}' in ${arg}`}`,
        };
      value = next;
      i++;
    }
    if (spec.type === "string") flags.string.set(spec.name, value);
    else flags.strings.set(spec.name, [...(flags.strings.get(spec.name) ?? []), value]);
    flags.given.push(`--${spec.name}=${value}`);
  }
  return { ok: true, flags };
}
