import { chartYaml } from "../model/charts.js";
import type { ParsedFlags } from "../shell/flags.js";
import { fail, ok, type Exit, type ProgramContext } from "../shell/types.js";
import { locateChart, readRepositories, unreachableRepo, writeRepositories, type Located } from "./repository.js";

const err = (message: string): Exit => fail(1, `Error: ${message}\n`);

/** `helm repo add NAME URL [--force-update]` (cmd/helm/repo_add.go): the index is fetched before the entry is saved. */
export function repoAdd(flags: ParsedFlags, ctx: ProgramContext): Exit {
  const [name, url] = flags.args;
  if (!name || !url || flags.args.length !== 2) {
    return fail(1, 'Error: "helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]\n');
  }
  const repos = readRepositories(ctx.files);
  const existing = repos.find((r) => r.name === name);
  if (existing && !flags.bool.get("force-update")) {
    if (existing.url === url) return ok(`"${name}" already exists with the same configuration, skipping\n`);
    return err(`repository name (${name}) already exists, please specify a different name`);
  }
  const unreachable = unreachableRepo(url);
  if (unreachable !== undefined) return err(unreachable);
  writeRepositories(ctx.files, [...repos.filter((r) => r.name !== name), { name, url }]);
  return ok(`"${name}" has been added to your repositories\n`);
}

/** `helm repo update [NAME...]` (cmd/helm/repo_update.go). */
export function repoUpdate(flags: ParsedFlags, ctx: ProgramContext): Exit {
  const repos = readRepositories(ctx.files);
  if (!repos.length) return err("no repositories found. You must add one before updating");
  const missing = flags.args.find((name) => !repos.some((r) => r.name === name));
  if (missing !== undefined) return err(`no repositories found matching '${missing}'.  Nothing will be updated`);
  const chosen = flags.args.length ? repos.filter((r) => flags.args.includes(r.name)) : repos;
  const lines = chosen.map((r) => `...Successfully got an update from the "${r.name}" chart repository\n`);
  return ok(
    `Hang tight while we grab the latest from your chart repositories...\n${lines.join("")}Update Complete. ⎈Happy Helming!⎈\n`,
  );
}

/** `helm repo list` (cmd/helm/repo_list.go). */
export function repoList(ctx: ProgramContext): Exit {
  const repos = readRepositories(ctx.files);
  if (!repos.length) return err("no repositories to show");
  const width = Math.max(4, ...repos.map((r) => r.name.length));
  return ok(`${"NAME".padEnd(width)}\tURL\n${repos.map((r) => `${r.name.padEnd(width)}\t${r.url}\n`).join("")}`);
}

/** The chart `ref` names with this command's `--repo`/`--version`, its repositories file and the scenario's mirrors. */
export function locateFromFlags(ref: string, flags: ParsedFlags, ctx: ProgramContext): Located {
  const repo = flags.string.get("repo");
  const version = flags.string.get("version");
  return locateChart(
    ref,
    { ...(repo !== undefined ? { repo } : {}), ...(version !== undefined ? { version } : {}) },
    { repos: readRepositories(ctx.files), mirrors: ctx.host.chartMirrors },
  );
}

/** `helm show chart CHART [--repo URL] [--version V]`: the chart's Chart.yaml, no cluster needed. */
export function showChart(flags: ParsedFlags, ctx: ProgramContext): Exit {
  const [ref] = flags.args;
  if (!ref || flags.args.length !== 1) {
    return fail(1, 'Error: "helm show chart" requires 1 argument\n\nUsage:  helm show chart [CHART] [flags]\n');
  }
  const located = locateFromFlags(ref, flags, ctx);
  if (!located.ok) return err(located.message);
  return { code: 0, stdout: chartYaml(located.chart), stderr: located.pulled ?? "" };
}
