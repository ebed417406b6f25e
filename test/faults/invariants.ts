/**
 * What must hold after every cell of the fault matrix, whatever the fault: the run ended in a named state; the
 * cluster is in the state that status promises; no step with side effects ran twice; every decision taken was
 * honoured or reported; the operators were told; no secret and no approval token leaked into state or logs.
 */
import { PLANTED_SECRETS } from "../../local/sim/index.js";
import type { AuditRecord } from "../../lib/audit/index.js";
import { isTerminal } from "../../lib/workflow/model.js";
import { findLeaks, runRecords, tokenOf } from "../security/support.js";
import { APPROVER } from "../e2e/harness.js";
import { OPERATOR, type CellRun } from "./drive.js";

const CHARTS: Record<string, string> = { "2024.12.01": "2.4.1", "2024.12.02": "2.4.2", "2025.05.00": "2.5.0" };
const NOTICE: Record<string, string> = {
  completed: "completed",
  failed: "failed",
  cancelled: "failed",
  halted: "halted",
  rejected: "not approved",
  restored: "restored",
};
const HELM_STAGES = new Set(["helm-upgrade", "upgrade-mode", "finalize"]);

/** The `--description` Helm stores with the revision: `cluedin-upgrade run=<id> phase=<phase> attempt=<n>`. */
const markerOf = (flags: string[]): string =>
  flags.find((f) => f.startsWith("--description="))?.slice("--description=".length) ?? "(no description)";

function clusterState(r: CellRun): string[] {
  const problems: string[] = [];
  const { run, after, before } = r;
  const last = after.release.revisions.at(-1);
  const upgradeMode = after.workloads.some((w) => w.upgradeMode);
  const upgrades = after.helmOperations.filter((op) => op.kind === "upgrade");
  if (run.status === "completed") {
    if (
      last?.status !== "deployed" ||
      last.release !== r.targetRelease ||
      !last.chart.endsWith(CHARTS[r.targetRelease]!)
    )
      problems.push(`completed, but the last revision is ${last?.status} ${last?.release} ${last?.chart}`);
    if (upgradeMode) problems.push("completed, but workloads are still in upgrade mode");
    const unhealthy = after.pods.filter((p) => !p.ready && p.phase !== "Succeeded").map((p) => p.name);
    if (unhealthy.length > 0) problems.push(`completed, but pods are not healthy: ${unhealthy.join(", ")}`);
  }
  if (upgradeMode && !/upgrade mode/.test(run.reason ?? ""))
    problems.push(`left in upgrade mode, and the run does not say so (${run.status}: ${run.reason})`);
  if (["failed", "rejected", "cancelled"].includes(run.status) && upgrades.length === 0) {
    const same = JSON.stringify(after.release.revisions) === JSON.stringify(before.release.revisions);
    if (!same || after.helmOperations.length > 0 || after.dataUpgradeCreations.length > 0)
      problems.push(`${run.status} before the point of no return, but the cluster changed`);
  }
  if (run.status === "failed" && r.cell.mode === "basic" && upgrades.length > 0) {
    const rolledBack = /rolled back to revision/.test(run.reason ?? "");
    const reported = /left as it is|rollback .* failed/.test(run.reason ?? "");
    if (rolledBack && (last?.status !== "deployed" || last.release !== r.fromRelease))
      problems.push(`says rolled back, but the last revision is ${last?.status} ${last?.release}`);
    if (!rolledBack && !reported)
      problems.push(`failed after the Helm upgrade without rollback or report: ${run.reason}`);
  }
  const replicas = (s: typeof after) => JSON.stringify(s.workloads.map((w) => [w.name, w.replicas]));
  if (
    ["failed", "rejected", "cancelled"].includes(run.status) &&
    upgrades.length === 0 &&
    replicas(after) !== replicas(before)
  )
    problems.push(`${run.status} before the point of no return, but workloads were left scaled: ${replicas(after)}`);
  if (run.status === "restored") {
    const data = (s: typeof after) => JSON.stringify(s.volumes.map((v) => [v.pvc, v.dataVersion]));
    if (data(after) !== data(before))
      problems.push(`restored, but the volumes hold ${data(after)}, not ${data(before)}`);
    if (last?.status !== "deployed" || last.release !== r.fromRelease)
      problems.push(`restored, but the last revision is ${last?.status} ${last?.release}`);
    if (upgradeMode) problems.push("restored, but workloads are still in upgrade mode");
  }
  if (["rejected", "cancelled"].includes(run.status) && upgrades.length > 0)
    problems.push(`${run.status} after a Helm upgrade ran`);
  return problems;
}

function sideEffectsOnce(r: CellRun): string[] {
  const problems: string[] = [];
  const markers = new Map<string, number>();
  for (const op of r.after.helmOperations.filter((o) => o.kind === "upgrade"))
    markers.set(markerOf(op.flags), (markers.get(markerOf(op.flags)) ?? 0) + 1);
  for (const [marker, count] of markers) if (count > 1) problems.push(`helm upgrade ran ${count} times for ${marker}`);
  const helmAttempts = r.run.stages.filter((s) => HELM_STAGES.has(s.name)).length;
  if (markers.size > helmAttempts)
    problems.push(`${markers.size} helm upgrades for ${helmAttempts} helm stage attempts`);
  const dataAttempts = r.run.stages.filter((s) => s.name === "data-upgrade").length;
  const creations = r.after.dataUpgradeCreations.length;
  if (creations > dataAttempts) problems.push(`${creations} DataUpgrade creations for ${dataAttempts} attempts`);
  return problems;
}

function decisionsHonoured(r: CellRun): string[] {
  const problems: string[] = [];
  const { run } = r;
  if (run.approvals.pending) problems.push(`finished with a decision still pending (${run.approvals.pending.kind})`);
  for (const a of r.answered) {
    if (a.status !== 200) continue;
    const recorded = run.approvals.decisions.some((d) => d.kind === a.kind && d.choice === a.choice);
    if (!recorded) problems.push(`decision ${a.kind}=${a.choice} was accepted but is not recorded`);
    const stages = run.stages.map((s) => s.name);
    if (a.choice === "rollback" && !stages.includes("rollback")) problems.push("rollback chosen, but none ran");
    if (a.choice === "restore" && !stages.includes("restore")) problems.push("restore chosen, but none ran");
    if (a.choice === "leave" && !/left as it is/.test(run.reason ?? "")) problems.push("leave chosen, not reported");
    if (
      a.kind === "halted-data-upgrade" &&
      a.choice === "stop" &&
      !(["halted", "restored"].includes(run.status) && /stopped by an operator/.test(run.reason ?? ""))
    )
      problems.push(`stop chosen, but the run ended ${run.status}: ${run.reason}`);
    const attempts = (name: string) => run.stages.filter((s) => s.name === name).length;
    if (a.choice === "retry" && !["upgrade-mode", "data-upgrade", "finalize"].some((name) => attempts(name) > 1))
      problems.push("retry chosen, but no step was attempted again");
  }
  return problems;
}

async function operatorsTold(r: CellRun): Promise<string[]> {
  const kind = NOTICE[r.run.status];
  const mails = await r.demo.mails();
  const told = mails.some((m) => m.to.includes(OPERATOR) && kind !== undefined && m.subject.includes(kind));
  if (told) return [];
  if (r.cell.mail) {
    // The run's view shows only its newest events: the audit record keeps every e-mail the run sent or failed to.
    const audit = (await r.demo.api<AuditRecord>("GET", `/api/upgrades/${r.id}/audit`)).body;
    if (audit.emails.some((m) => !m.ok)) return [];
  }
  return [`no ${kind ?? r.run.status} mail to the operators, and no recorded mail failure`];
}

async function nothingLeaked(r: CellRun): Promise<string[]> {
  const records = await runRecords(r.demo);
  const logs = new Map(r.log.map((line, i) => [`log line ${i + 1}`, line]));
  const secrets = { ...PLANTED_SECRETS, simulatorBearerToken: r.demo.app.sim.token };
  const links = [...(await r.demo.links(r.id, APPROVER)), ...(await r.demo.links(r.id, OPERATOR))];
  const tokens = Object.fromEntries(links.map((l, i) => [`token ${i + 1}`, tokenOf(l)]));
  return [
    ...findLeaks(secrets, records),
    ...findLeaks(secrets, logs),
    ...findLeaks(tokens, records),
    ...findLeaks(tokens, logs),
  ].map((leak) => `${leak.secret} leaked into ${leak.where}`);
}

export async function violations(r: CellRun): Promise<string[]> {
  const problems: string[] = [];
  if (r.cell.during && !r.injected)
    problems.push(`the fault was never injected: the run did not rest at ${r.cell.during.stage}`);
  if (!r.run.finished || !isTerminal(r.run.status)) problems.push(`did not end: ${r.run.status}`);
  if (r.runtimeStatus !== "Completed")
    problems.push(`no named state: the orchestration ${r.runtimeStatus.toLowerCase()} (${r.run.reason ?? ""})`);
  if (!r.cell.outcomes.includes(r.run.status))
    problems.push(`ended ${r.run.status}, the rules allow ${r.cell.outcomes.join("/")}: ${r.run.reason ?? ""}`);
  problems.push(...clusterState(r), ...sideEffectsOnce(r), ...decisionsHonoured(r));
  problems.push(...(await operatorsTold(r)), ...(await nothingLeaked(r)));
  return problems;
}
