/**
 * `cluedin-upgrade wave plan | start | status [--follow] | stop | resume | skip | retry`: fleet waves over the wave
 * routes. Exit codes as for runs (exit-codes.ts): a wave that ends failed is 1; a stopped wave, or one failed or
 * completed with failures that waits for retry, is 3 (an operator must act).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Option, type Command } from "commander";
import type { WaveResource } from "../lib/fleet/resource.js";
import type { Timeline } from "../lib/fleet/timeline.js";
import type { Api, ApiReply } from "./api.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

export interface WaveCli {
  api(): Api;
  json(): boolean;
  out(text: string): void;
  /** Ends the command with `code`. */
  exit(code: ExitCode, message?: string): never;
  refused(reply: ApiReply<unknown>): never;
}

export function waveExitCode(wave: Pick<WaveResource, "status" | "finished">): ExitCode {
  if (wave.status === "completed") return EXIT.ok;
  if (wave.finished) return wave.status === "completed-with-failures" ? EXIT.ok : EXIT.failed;
  return ["stopped", "failed", "completed-with-failures"].includes(wave.status) ? EXIT.halted : EXIT.ok;
}

export function renderTimeline(t: Timeline): string[] {
  const lines = [`${t.strategy} to ${t.targetRelease}, about ${t.estimatedUpgradeMinutes} min per cluster`];
  for (const s of t.stages) {
    lines.push(
      `stage ${s.name}: max ${s.maxConcurrency} at once, ${s.maxAllowedFailures} failure(s) allowed, ${s.earliestStart} → ${s.earliestEnd}`,
    );
    for (const g of s.before) lines.push(`  gate before: ${g.gate}, earliest ${g.earliest}`);
    for (const g of s.groups)
      lines.push(
        `  group ${g.name}: max ${g.maxConcurrency} at once, ${g.maxAllowedFailures} failure(s) allowed` +
          g.before.map((b) => `; gate ${b.gate} ${b.earliest}`).join(""),
      );
    for (const c of s.clusters)
      lines.push(
        `  ${String(c.order).padStart(3)}. ${c.name.padEnd(24)} ${c.earliestStart} → ${c.earliestEnd}  approval: ${c.approval}${c.waitsForWindow ? " (waits for its window)" : ""}`,
      );
    if (s.soakUntil) lines.push(`  soak until ${s.soakUntil}`);
    for (const g of s.after) lines.push(`  gate after: ${g.gate}, earliest ${g.earliest}`);
  }
  lines.push(`earliest finish ${t.earliestFinish}`);
  return lines;
}

export function renderWave(w: WaveResource): string[] {
  const lines = [
    `wave ${w.id}: ${w.strategy} to ${w.targetRelease}, ${w.status}${w.stopped && w.status !== "stopped" ? " (stop asked)" : ""}`,
  ];
  if (w.reason) lines.push(`  ${w.reason}`);
  for (const s of w.stages)
    lines.push(
      `  ${s.name.padEnd(12)} ${(s.outcome ?? "").padEnd(24)} ${s.clusters.map((c) => `${c.cluster}:${c.state}`).join(" ")}`,
    );
  for (const g of w.waiting)
    lines.push(`  waiting: approval ${g.where} ${g.stage}: ${g.approvers.join(", ")} must act`);
  return lines;
}

export function addWaveCommands(program: Command, cli: WaveCli): void {
  const wave = program.command("wave").description("upgrade many clusters in waves (config/fleets.yaml strategies)");
  const show = (value: unknown, text: string[]): void =>
    cli.out(cli.json() ? JSON.stringify(value, null, 2) : text.join("\n"));
  const read = async (id: string): Promise<WaveResource> => {
    const reply = await cli.api().request<WaveResource>("GET", `/api/waves/${encodeURIComponent(id)}`);
    if (reply.status !== 200) cli.refused(reply);
    return reply.body;
  };
  const followWave = async (id: string, intervalMs: number): Promise<never> => {
    let last = "";
    for (;;) {
      const w = await read(id);
      const text = renderWave(w).join("\n");
      if (!cli.json() && text !== last) cli.out(text);
      last = text;
      if (w.finished || ["stopped", "failed", "completed-with-failures"].includes(w.status)) {
        if (cli.json()) cli.out(JSON.stringify(w, null, 2));
        cli.exit(waveExitCode(w));
      }
      await sleep(intervalMs);
    }
  };
  const interval = new Option("--interval <ms>", "poll interval while following").default(2000).argParser(Number);

  wave
    .command("plan <strategy> <release>")
    .description("the dry run: the order, limits, gates and earliest times; nothing changes")
    .action(async (strategy: string, release: string) => {
      const reply = await cli
        .api()
        .request<Timeline>("POST", "/api/waves", { strategy, targetRelease: release, dryRun: true });
      if (reply.status !== 200) cli.refused(reply);
      show(reply.body, renderTimeline(reply.body));
    });

  wave
    .command("start <strategy> <release>")
    .description("start a wave")
    .option("--name <name>", "who starts it (in Azure the signed-in identity wins)")
    .option("--email <address>", "their e-mail address")
    .option("-f, --follow", "follow the wave")
    .addOption(interval)
    .action(
      async (
        strategy: string,
        release: string,
        o: { name?: string; email?: string; follow?: boolean; interval: number },
      ) => {
        const requestedBy = o.name ? { requestedBy: { name: o.name, ...(o.email ? { email: o.email } : {}) } } : {};
        const reply = await cli.api().request<{ id: string }>("POST", "/api/waves", {
          strategy,
          targetRelease: release,
          ...requestedBy,
        });
        if (reply.status !== 202) cli.refused(reply);
        show(reply.body, [`wave ${reply.body.id} started`]);
        if (o.follow) await followWave(reply.body.id, o.interval);
      },
    );

  wave
    .command("status <id>")
    .description("the wave's clusters by stage, gates waiting and who must act")
    .option("-f, --follow", "follow until it ends, stops or waits for a retry")
    .addOption(interval)
    .action(async (id: string, o: { follow?: boolean; interval: number }) => {
      if (o.follow) await followWave(id, o.interval);
      const w = await read(id);
      show(w, renderWave(w));
      cli.exit(waveExitCode(w));
    });

  for (const action of ["stop", "resume", "retry"] as const)
    wave
      .command(`${action} <id>`)
      .description(
        {
          stop: "no new starts; running upgrades finish",
          resume: "go on from where it stopped",
          retry: "run the failed clusters again",
        }[action],
      )
      .option("--reason <text>", "why (recorded)")
      .option("--by <name>", "who (in Azure the signed-in identity wins)")
      .action(async (id: string, o: { reason?: string; by?: string }) => {
        const reply = await cli.api().request("POST", `/api/waves/${encodeURIComponent(id)}/${action}`, {
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.by ? { by: o.by } : {}),
        });
        if (reply.status !== 202) cli.refused(reply);
        show(reply.body, [`${action} requested for ${id}`]);
      });

  wave
    .command("skip <id>")
    .description("skip a cluster, a group (stage/group) or a stage that has not started")
    .option("--cluster <name>")
    .option("--group <stage/group>")
    .option("--stage <name>")
    .requiredOption("--reason <text>", "why (recorded in the wave's audit record)")
    .option("--by <name>")
    .action(
      async (id: string, o: { cluster?: string; group?: string; stage?: string; reason: string; by?: string }) => {
        const [stage, group] = (o.group ?? "").split("/");
        const target = o.cluster
          ? { kind: "cluster", name: o.cluster }
          : o.group && stage && group
            ? { kind: "group", stage, name: group }
            : o.stage
              ? { kind: "stage", name: o.stage }
              : cli.exit(EXIT.usage, "error: name one of --cluster, --group <stage/group> or --stage");
        const reply = await cli.api().request("POST", `/api/waves/${encodeURIComponent(id)}/skip`, {
          target,
          reason: o.reason,
          ...(o.by ? { by: o.by } : {}),
        });
        if (reply.status !== 202) cli.refused(reply);
        show(reply.body, [`skip requested for ${id}`]);
      },
    );
}
