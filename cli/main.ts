/**
 * `cluedin-upgrade`: the command line over the app's HTTP API. Local by default (http://127.0.0.1:7071); `--url`
 * and `--key` (sent as x-functions-key) reach an app in Azure. Exit codes: see exit-codes.ts.
 */
import { readFile, writeFile } from "node:fs/promises";
import { Command, CommanderError, Option } from "commander";
import { formatDuration, type AuditRecord } from "../lib/audit/index.js";
import type { RunStatus } from "../lib/workflow/model.js";
import type { UpgradeResource } from "../lib/workflow/status.js";
import { Api, ApiUnreachableError, errorText, type ApiReply } from "./api.js";
import { EXIT, exitCodeForHttp, exitCodeForRestore, exitCodeForStatus, type ExitCode } from "./exit-codes.js";
import { follow } from "./follow.js";
import { addWaveCommands } from "./wave.js";

interface GlobalOptions {
  url: string;
  key?: string;
  json?: boolean;
}

interface Finding {
  code: string;
  message: string;
}

interface PlanReply {
  cluster: string;
  ok: boolean;
  current: { revision: number; appVersion: string; chartVersion: string };
  plan: null | {
    fromRelease: string;
    toRelease: string;
    fromChart: string;
    toChart: string;
    mode: string;
    valuesFile: string;
    diff: string;
    diffSha256: string;
    expectedDowntimeMinutes: number;
    changes: { path: string; from?: string; to?: string; reason: string }[];
    warnings: Finding[];
  };
  blockers: Finding[];
}

const out = (text: string): void => {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
};
const err = (text: string): void => {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
};

/** Thrown to end a command with a code; the message goes to stderr. */
class Exit extends Error {
  constructor(
    readonly code: ExitCode,
    message = "",
  ) {
    super(message);
    this.name = "Exit";
  }
}

function refused(reply: ApiReply<unknown>): never {
  throw new Exit(exitCodeForHttp(reply.status), `error: ${errorText(reply)}`);
}

async function valuesOf(file: string | undefined): Promise<{ values?: string }> {
  if (!file) return {};
  try {
    return { values: await readFile(file, "utf8") };
  } catch (error) {
    throw new Exit(EXIT.usage, `error: cannot read ${file}: ${(error as Error).message}`);
  }
}

function printPlan(reply: PlanReply): void {
  const { plan } = reply;
  out(
    `cluster ${reply.cluster}: revision ${reply.current.revision}, ${reply.current.appVersion} on chart ${reply.current.chartVersion}`,
  );
  if (plan) {
    out(`plan ${plan.fromRelease} → ${plan.toRelease} (${plan.mode}), chart ${plan.fromChart} → ${plan.toChart}`);
    out(
      `values file ${plan.valuesFile}, expected downtime about ${plan.expectedDowntimeMinutes} min, diff sha256 ${plan.diffSha256}`,
    );
    for (const c of plan.changes) out(`  change ${c.path}: ${c.from ?? "∅"} → ${c.to ?? "∅"} (${c.reason})`);
    for (const w of plan.warnings) out(`  warning ${w.code}: ${w.message}`);
  }
  for (const b of reply.blockers) out(`  blocker ${b.code}: ${b.message}`);
  out(reply.ok ? "ready: the upgrade can be started" : "blocked: the upgrade cannot be started as it is");
}

function printRuns(items: Omit<UpgradeResource, "events" | "plan">[]): void {
  if (items.length === 0) return out("no runs");
  const rows = items.map((r) => [
    r.id,
    r.status,
    `${r.fromRelease ?? "?"} → ${r.targetRelease}`,
    r.finished ? "" : (r.stage ?? ""),
    r.createdAt ?? "",
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) out(row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join("  "));
}

/** Who asks, as the options name them; nothing when neither is given. */
const requestedBy = (o: { name?: string; email?: string }): { requestedBy?: { name: string; email?: string } } =>
  o.name || o.email
    ? { requestedBy: { name: o.name ?? o.email ?? "cli", ...(o.email ? { email: o.email } : {}) } }
    : {};

/** `serve` keeps the process alive; every other command ends it with its exit code. */
let serving = false;

export function buildProgram(): Command {
  const program = new Command("cluedin-upgrade")
    .description("Plan, start, follow and audit CluedIn upgrades on AKS (cluedin-upgrade app's HTTP API).")
    .addOption(
      new Option("--url <url>", "the app's base URL").env("CLUEDIN_UPGRADE_URL").default("http://127.0.0.1:7071"),
    )
    .addOption(new Option("--key <key>", "function key, sent as x-functions-key (Azure)").env("CLUEDIN_UPGRADE_KEY"))
    .option("--json", "print the API's JSON instead of text")
    .showHelpAfterError()
    .exitOverride();
  const api = (): Api => {
    const o = program.opts<GlobalOptions>();
    return new Api({ url: o.url, ...(o.key ? { key: o.key } : {}) });
  };
  const json = (): boolean => program.opts<GlobalOptions>().json === true;
  const followRun = async (
    id: string,
    intervalMs: number,
    collection: "upgrades" | "restores" = "upgrades",
  ): Promise<ExitCode> => {
    const run = await follow(api(), id, {
      intervalMs,
      tty: process.stdout.isTTY && !json(),
      quiet: json(),
      write: (t) => process.stdout.write(t),
      collection,
    });
    if (json()) out(JSON.stringify(run, null, 2));
    else out(`audit: ${api().base}/api/upgrades/${encodeURIComponent(id)}/audit?format=md`);
    return collection === "restores" ? exitCodeForRestore(run.status) : exitCodeForStatus(run.status);
  };
  const interval = new Option("--interval <ms>", "poll interval while following").default(1000).argParser(Number);

  program
    .command("plan")
    .description("show the plan of an upgrade (a dry run: nothing changes); exit 1 when it has blockers")
    .requiredOption("-c, --cluster <name>", "cluster profile")
    .requiredOption("-t, --to <release>", "target release, e.g. 2025.05.00")
    .option("--values <file>", "extra user values (YAML) merged over the prepared file")
    .action(async (o: { cluster: string; to: string; values?: string }) => {
      const reply = await api().request<PlanReply>("POST", "/api/plans", {
        cluster: o.cluster,
        targetRelease: o.to,
        ...(await valuesOf(o.values)),
      });
      if (reply.status !== 200) refused(reply);
      if (json()) out(JSON.stringify(reply.body, null, 2));
      else printPlan(reply.body);
      if (!reply.body.ok) throw new Exit(EXIT.failed);
    });

  program
    .command("start")
    .description("start an upgrade; with --follow, show it live until it ends")
    .requiredOption("-c, --cluster <name>", "cluster profile")
    .requiredOption("-t, --to <release>", "target release, e.g. 2025.05.00")
    .option("--values <file>", "extra user values (YAML) merged over the prepared file")
    .option("--not-before <time>", "ISO 8601 time before which the Helm upgrade may not start")
    .option("--allow-chain", "go through intermediate releases when the target is not reachable directly")
    .option("--name <name>", "who asks (recorded; in Azure the signed-in identity wins)")
    .option("--email <address>", "the requester's e-mail (told of the outcome; may not approve)")
    .option("-f, --follow", "follow the run until it ends")
    .addOption(interval)
    .action(
      async (o: {
        cluster: string;
        to: string;
        values?: string;
        notBefore?: string;
        allowChain?: boolean;
        name?: string;
        email?: string;
        follow?: boolean;
        interval: number;
      }) => {
        const reply = await api().request<{ id: string; statusUri: string; dashboardUri: string; auditUri: string }>(
          "POST",
          "/api/upgrades",
          {
            cluster: o.cluster,
            targetRelease: o.to,
            ...(await valuesOf(o.values)),
            ...(o.notBefore ? { notBefore: o.notBefore } : {}),
            ...(o.allowChain ? { allowChain: true } : {}),
            ...requestedBy(o),
          },
        );
        if (reply.status !== 202) refused(reply);
        const started = reply.body;
        if (!json())
          out(`started ${started.id}\n  status    ${started.statusUri}\n  dashboard ${started.dashboardUri}`);
        if (!o.follow) {
          if (json()) out(JSON.stringify(started, null, 2));
          return;
        }
        throw new Exit(await followRun(started.id, o.interval));
      },
    );

  program
    .command("restore <runId>")
    .description(
      "restore a past run's snapshot set (claims from the snapshots, release back to the revision before that run) " +
        "once the cluster's approvers approve; with --follow, show it until it ends (exit 0 when restored)",
    )
    .requiredOption("--reason <text>", "why the data must go back (shown to the approvers, kept in the audit)")
    .option("--name <name>", "who asks (recorded; in Azure the signed-in identity wins)")
    .option("--email <address>", "the requester's e-mail (told of the outcome; may not approve)")
    .option("-f, --follow", "follow the restore until it ends")
    .addOption(interval)
    .action(
      async (
        runId: string,
        o: { reason: string; name?: string; email?: string; follow?: boolean; interval: number },
      ) => {
        const reply = await api().request<{ id: string; statusUri: string; toRevision: number; snapshots: string[] }>(
          "POST",
          "/api/restores",
          {
            runId,
            reason: o.reason,
            ...requestedBy(o),
          },
        );
        if (reply.status !== 202) refused(reply);
        const started = reply.body;
        if (!json())
          out(
            `started ${started.id}\n  restores  ${started.snapshots.length} snapshots, then rolls back to revision ${started.toRevision}, once approved\n  status    ${started.statusUri}`,
          );
        if (!o.follow) {
          if (json()) out(JSON.stringify(started, null, 2));
          return;
        }
        throw new Exit(await followRun(started.id, o.interval, "restores"));
      },
    );

  program
    .command("status <id>")
    .description("show one run; exit 1 if it ended failed/rejected/cancelled, 3 if halted")
    .option("-f, --follow", "follow the run until it ends")
    .addOption(interval)
    .action(async (id: string, o: { follow?: boolean; interval: number }) => {
      if (o.follow) throw new Exit(await followRun(id, o.interval));
      const reply = await api().request<UpgradeResource>("GET", `/api/upgrades/${encodeURIComponent(id)}`);
      if (reply.status !== 200) refused(reply);
      const run = reply.body;
      if (json()) out(JSON.stringify(run, null, 2));
      else {
        const { renderRun } = await import("./follow.js");
        out(renderRun(run, new Date()).join("\n"));
      }
      throw new Exit(exitCodeForStatus(run.status));
    });

  program
    .command("runs")
    .description("list runs, newest first")
    .option("-c, --cluster <name>", "only this cluster")
    .option("-s, --status <status>", "only runs in this status")
    .action(async (o: { cluster?: string; status?: RunStatus }) => {
      const query = new URLSearchParams({
        ...(o.cluster ? { cluster: o.cluster } : {}),
        ...(o.status ? { status: o.status } : {}),
      });
      const reply = await api().request<{ items: Omit<UpgradeResource, "events" | "plan">[] }>(
        "GET",
        `/api/upgrades${query.size ? `?${query.toString()}` : ""}`,
      );
      if (reply.status !== 200) refused(reply);
      if (json()) out(JSON.stringify(reply.body, null, 2));
      else printRuns(reply.body.items);
    });

  program
    .command("audit <id>")
    .description("the run's audit record (Markdown; JSON with --json)")
    .option("-o, --output <file>", "write it to a file instead of stdout")
    .action(async (id: string, o: { output?: string }) => {
      const route = `/api/upgrades/${encodeURIComponent(id)}/audit${json() ? "" : "?format=md"}`;
      const reply = await api().request<AuditRecord | string>("GET", route);
      if (reply.status !== 200) refused(reply);
      const text = json() ? `${JSON.stringify(reply.body, null, 2)}\n` : reply.text;
      if (o.output) {
        await writeFile(o.output, text);
        if (!json()) {
          const record = (await api().request<AuditRecord>("GET", `/api/upgrades/${encodeURIComponent(id)}/audit`))
            .body;
          err(`written ${o.output}: ${record.outcome.status}, downtime ${formatDuration(record.downtime.durationMs)}`);
        }
      } else process.stdout.write(text);
    });

  program
    .command("cancel <id>")
    .description("cancel a run (before the Helm upgrade it ends cleanly; after it, it halts after the current step)")
    .option("--reason <text>", "why (recorded)")
    .option("--by <name>", "who (in Azure the signed-in identity wins)")
    .action(async (id: string, o: { reason?: string; by?: string }) => {
      const body = { ...(o.reason ? { reason: o.reason } : {}), ...(o.by ? { by: o.by } : {}) };
      const reply = await api().request<{ meaning: string }>(
        "POST",
        `/api/upgrades/${encodeURIComponent(id)}/cancel`,
        body,
      );
      if (reply.status !== 202) refused(reply);
      out(json() ? JSON.stringify(reply.body, null, 2) : `cancel requested: ${reply.body.meaning}`);
    });

  addWaveCommands(program, {
    api,
    json,
    out,
    exit: (code, message) => {
      throw new Exit(code, message);
    },
    refused,
  });

  program
    .command("serve")
    .description("run the app locally against the simulated cluster (what npm start runs)")
    .action(async () => {
      serving = true;
      await import("../local/serve.js");
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit) {
      if (error.message) err(error.message);
      return error.code;
    }
    if (error instanceof CommanderError)
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT.ok : EXIT.usage;
    if (error instanceof ApiUnreachableError) {
      err(`error: ${error.message}`);
      return EXIT.unreachable;
    }
    err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.unreachable;
  }
}

const code = await main(process.argv);
// Ends without waiting for idle keep-alive sockets.
if (!serving) process.exit(code);
