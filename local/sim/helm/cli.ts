import { stringify } from "yaml";
import { parseGoDuration } from "../core/format.js";
import { applySet, coalesceValues, type Values, mergeValues } from "../core/values.js";
import { parseValuesFile } from "../core/yaml-errors.js";
import { normalize } from "../shell/run.js";
import { fail, ok, type Exit, type Program, type ProgramContext } from "../shell/types.js";
import { parseFlags, type FlagSpec, type ParsedFlags } from "../shell/flags.js";
import { historyOutput, listOutput, statusOutput, type OutputFormat } from "./format.js";
import { locateFromFlags, repoAdd, repoList, repoUpdate, showChart } from "./repo-commands.js";

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "namespace", short: "n", type: "string" },
  { name: "kube-context", type: "string" },
  { name: "kubeconfig", type: "string" },
  { name: "debug", type: "bool" },
  { name: "help", short: "h", type: "bool" },
];

const OUTPUT: FlagSpec = { name: "output", short: "o", type: "string" };

const COMMAND_FLAGS: Record<string, FlagSpec[]> = {
  upgrade: [
    OUTPUT,
    { name: "version", type: "string" },
    { name: "values", short: "f", type: "strings" },
    { name: "set", type: "strings" },
    { name: "set-string", type: "strings" },
    { name: "wait", type: "bool" },
    { name: "wait-for-jobs", type: "bool" },
    { name: "timeout", type: "string" },
    { name: "install", short: "i", type: "bool" },
    { name: "reset-values", type: "bool" },
    { name: "reuse-values", type: "bool" },
    { name: "reset-then-reuse-values", type: "bool" },
    { name: "atomic", type: "bool" },
    { name: "cleanup-on-fail", type: "bool" },
    { name: "dry-run", type: "bool" },
    { name: "force", type: "bool" },
    { name: "description", type: "string" },
    { name: "history-max", type: "string" },
    { name: "create-namespace", type: "bool" },
    { name: "repo", type: "string" },
    { name: "devel", type: "bool" },
  ],
  rollback: [
    { name: "wait", type: "bool" },
    { name: "wait-for-jobs", type: "bool" },
    { name: "timeout", type: "string" },
    { name: "dry-run", type: "bool" },
    { name: "force", type: "bool" },
    { name: "recreate-pods", type: "bool" },
    { name: "cleanup-on-fail", type: "bool" },
    { name: "no-hooks", type: "bool" },
    { name: "history-max", type: "string" },
  ],
  list: [
    OUTPUT,
    { name: "all", short: "a", type: "bool" },
    { name: "all-namespaces", short: "A", type: "bool" },
    { name: "deployed", type: "bool" },
    { name: "failed", type: "bool" },
    { name: "pending", type: "bool" },
    { name: "superseded", type: "bool" },
    { name: "short", short: "q", type: "bool" },
    { name: "filter", short: "f", type: "string" },
  ],
  history: [OUTPUT, { name: "max", type: "string" }],
  status: [OUTPUT, { name: "revision", type: "string" }, { name: "show-desc", type: "bool" }],
  "get values": [OUTPUT, { name: "revision", type: "string" }, { name: "all", short: "a", type: "bool" }],
  "get manifest": [{ name: "revision", type: "string" }],
  "repo add": [{ name: "force-update", type: "bool" }],
  "repo update": [],
  "repo list": [OUTPUT],
  "show chart": [
    { name: "repo", type: "string" },
    { name: "version", type: "string" },
    { name: "devel", type: "bool" },
  ],
  version: [
    { name: "short", type: "bool" },
    { name: "template", type: "string" },
  ],
};

const ALIASES: Record<string, string> = { ls: "list", hist: "history" };
/** Commands with subcommands (`helm get values`, `helm repo add`, `helm show chart`). */
const GROUPS = ["get", "repo", "show"];

const usage: Record<string, string> = {
  upgrade: "helm upgrade [RELEASE] [CHART] [flags]",
  rollback: "helm rollback <RELEASE> [REVISION] [flags]",
  history: "helm history RELEASE_NAME [flags]",
  status: "helm status RELEASE_NAME [flags]",
  "get values": "helm get values RELEASE_NAME [flags]",
  "get manifest": "helm get manifest RELEASE_NAME [flags]",
};

const err = (message: string): Exit => fail(1, `Error: ${message}\n`);

function argCountError(command: string, expected: string): Exit {
  return fail(1, `Error: "helm ${command}" requires ${expected}\n\nUsage:  ${usage[command] ?? `helm ${command}`}\n`);
}

function outputFormat(flags: ParsedFlags): OutputFormat | Exit {
  const value = flags.string.get("output") ?? "table";
  if (value === "table" || value === "json" || value === "yaml") return value;
  return err(`invalid argument "${value}" for "-o, --output" flag: invalid format type`);
}

function timeout(flags: ParsedFlags): number | Exit {
  const text = flags.string.get("timeout") ?? "5m0s";
  const ms = parseGoDuration(text);
  return ms === undefined
    ? err(`invalid argument "${text}" for "--timeout" flag: time: invalid duration "${text}"`)
    : ms;
}

const isExit = (value: unknown): value is Exit => typeof value === "object" && value !== null && "code" in value;

/** `helm` as the Run Command image has it, with answers and exit codes worded like Helm 3's. */
export const helm: Program = (argv, ctx, done) => {
  const [first = "", second = ""] = argv;
  const top = ALIASES[first] ?? first;
  const grouped = GROUPS.includes(top);
  const command = grouped ? `${top} ${second}` : top;
  const rest = argv.slice(grouped ? 2 : 1);
  if (!first || first === "help" || first === "--help" || first === "-h") {
    done(ok("The Kubernetes package manager\n\nUsage:\n  helm [command]\n"));
    return;
  }
  const specs = COMMAND_FLAGS[command];
  if (!specs) {
    const unknown = grouped ? second : first;
    done(err(`unknown command "${unknown}" for "helm${grouped ? ` ${top}` : ""}"\nRun 'helm --help' for usage.`));
    return;
  }
  const parsed = parseFlags(rest, [...GLOBAL_FLAGS, ...specs]);
  if (!parsed.ok) {
    done(err(parsed.reason));
    return;
  }
  const flags = parsed.flags;
  const namespace = flags.string.get("namespace") ?? "default";
  if (command === "version") {
    done(
      ok(
        flags.bool.get("short")
          ? "v3.16.2+g13654a5\n"
          : 'version.BuildInfo{Version:"v3.16.2", GitCommit:"13654a52f7c70a143b1dd51416d633e1071faffb", GitTreeState:"clean", GoVersion:"go1.22.7"}\n',
      ),
    );
    return;
  }
  // Repositories and charts are read from the network, not the cluster: no credentials needed.
  if (command === "repo add") return done(repoAdd(flags, ctx));
  if (command === "repo update") return done(repoUpdate(flags, ctx));
  if (command === "repo list") return done(repoList(ctx));
  if (command === "show chart") return done(showChart(flags, ctx));
  if (!ctx.host.authorized) {
    done(err("Kubernetes cluster unreachable: the server has asked for the client to provide credentials"));
    return;
  }
  const format = outputFormat(flags);
  if (isExit(format)) {
    done(format);
    return;
  }
  const releases = ctx.host.helm.releases;
  switch (command) {
    case "list": {
      const all = flags.bool.get("all") ?? false;
      const states = (["deployed", "failed", "pending", "superseded"] as const).filter((s) => flags.bool.get(s));
      const filter = flags.string.get("filter");
      const items = releases.latest(flags.bool.get("all-namespaces") ? undefined : namespace).filter((r) => {
        if (filter !== undefined && !new RegExp(filter).test(r.name)) return false;
        if (all) return true;
        if (states.length)
          return states.some((s) => (s === "pending" ? r.info.status.startsWith("pending") : r.info.status === s));
        return r.info.status === "deployed" || r.info.status === "failed";
      });
      done(ok(flags.bool.get("short") ? items.map((r) => `${r.name}\n`).join("") : listOutput(items, format)));
      return;
    }
    case "history": {
      const name = flags.args[0];
      if (!name || flags.args.length !== 1) return done(argCountError("history", "exactly 1 argument"));
      const history = releases.history(name, namespace);
      if (!history.length) return done(err("release: not found"));
      const max = Number(flags.string.get("max") ?? 256);
      return done(ok(historyOutput(history.slice(-max), format)));
    }
    case "status": {
      const name = flags.args[0];
      if (!name || flags.args.length !== 1) return done(argCountError("status", "exactly 1 argument"));
      const revision = flags.string.get("revision");
      const release = revision ? releases.get(name, namespace, Number(revision)) : releases.last(name, namespace);
      if (!release) return done(err("release: not found"));
      return done(ok(statusOutput(release, format)));
    }
    case "get values": {
      const name = flags.args[0];
      if (!name || flags.args.length !== 1) return done(argCountError("get values", "exactly 1 argument"));
      const revision = flags.string.get("revision");
      const release = revision ? releases.get(name, namespace, Number(revision)) : releases.last(name, namespace);
      if (!release) return done(err("release: not found"));
      // --all coalesces with the values the revision was rendered with (pkg/action/get_values.go), which after
      // --reuse-values are the previous chart's, not this chart's defaults.
      const all = flags.bool.get("all") ?? false;
      const values = all ? coalesceValues(release.chart.values, release.config) : release.config;
      const empty = Object.keys(values).length === 0;
      if (format === "json") return done(ok(`${JSON.stringify(empty ? null : values)}\n`));
      const yaml = empty ? "null\n" : stringify(values);
      return done(ok(format === "yaml" ? yaml : `${all ? "COMPUTED VALUES" : "USER-SUPPLIED VALUES"}:\n${yaml}`));
    }
    case "get manifest": {
      const name = flags.args[0];
      if (!name) return done(argCountError("get manifest", "exactly 1 argument"));
      const release = releases.last(name, namespace);
      return done(release ? ok(`${release.manifest}\n`) : err("release: not found"));
    }
    case "rollback":
      return rollback(flags, namespace, ctx, done);
    case "upgrade":
      return upgrade(flags, namespace, format, ctx, done);
  }
  done(err(`unknown command "${command}" for "helm"`));
};

function rollback(flags: ParsedFlags, namespace: string, ctx: ProgramContext, done: (exit: Exit) => void): void {
  const [name, revisionText] = flags.args;
  if (!name || flags.args.length > 2) {
    done(argCountError("rollback", "at least 1 argument"));
    return;
  }
  const revision = revisionText === undefined ? 0 : Number(revisionText);
  if (!Number.isInteger(revision)) {
    done(err(`could not convert revision to a number: strconv.Atoi: parsing "${revisionText ?? ""}": invalid syntax`));
    return;
  }
  if (revision < 0) {
    done(err("invalid release revision"));
    return;
  }
  const ms = timeout(flags);
  if (isExit(ms)) {
    done(ms);
    return;
  }
  ctx.host.helm.rollback(
    {
      release: name,
      namespace,
      revision,
      wait: flags.bool.get("wait") ?? false,
      waitForJobs: flags.bool.get("wait-for-jobs") ?? false,
      timeoutMs: ms,
      dryRun: flags.bool.get("dry-run") ?? false,
      flags: flags.given,
    },
    done,
  );
}

function upgrade(
  flags: ParsedFlags,
  namespace: string,
  format: OutputFormat,
  ctx: ProgramContext,
  done: (exit: Exit) => void,
): void {
  if (flags.args.length !== 2) {
    done(argCountError("upgrade", "2 arguments"));
    return;
  }
  const [release = "", chartRef = ""] = flags.args;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(release) || release.length > 53) {
    done(err(`release name is invalid: ${release}`));
    return;
  }
  const ms = timeout(flags);
  if (isExit(ms)) {
    done(ms);
    return;
  }
  const located = locateFromFlags(chartRef, flags, ctx);
  if (!located.ok) {
    done(err(located.message));
    return;
  }
  let values: Values = {};
  const valuesFiles = flags.strings.get("values") ?? [];
  for (const file of valuesFiles) {
    const text = file === "-" ? ctx.stdin : ctx.files.get(normalize(file));
    if (text === undefined) {
      done(err(`open ${file}: no such file or directory`));
      return;
    }
    const parsed = parseValuesFile(file, text);
    if (!parsed.ok) {
      done(err(parsed.reason));
      return;
    }
    values = mergeValues(values, parsed.values);
  }
  const sets: string[] = [];
  for (const [flag, asString] of [
    ["set", false],
    ["set-string", true],
  ] as const) {
    for (const expression of flags.strings.get(flag) ?? []) {
      const applied = applySet(values, expression, asString);
      if (!applied.ok) {
        done(err(`failed parsing --${flag} data: ${applied.reason}`));
        return;
      }
      sets.push(expression);
    }
  }
  const description = flags.string.get("description");
  ctx.host.helm.upgrade(
    {
      release,
      namespace,
      chart: located.chart,
      install: flags.bool.get("install") ?? false,
      values,
      resetValues: flags.bool.get("reset-values") ?? false,
      reuseValues: flags.bool.get("reuse-values") ?? false,
      resetThenReuseValues: flags.bool.get("reset-then-reuse-values") ?? false,
      wait: flags.bool.get("wait") ?? false,
      waitForJobs: flags.bool.get("wait-for-jobs") ?? false,
      atomic: flags.bool.get("atomic") ?? false,
      dryRun: flags.bool.get("dry-run") ?? false,
      timeoutMs: ms,
      ...(description !== undefined ? { description } : {}),
      output: format,
      flags: flags.given,
      set: sets,
      valuesFiles,
    },
    // Helm prints what it pulled from an OCI registry before anything else.
    (exit) => done(located.pulled ? { ...exit, stderr: `${located.pulled}${exit.stderr}` } : exit),
  );
}
