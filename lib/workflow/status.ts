/**
 * An upgrade run as the HTTP API shows it, derived from the orchestration's own status (runtime status, custom
 * status, output): one source of truth, no second store to drift.
 */
import type { RunPlan, UpgradeInput } from "./contracts.js";
import type { RunStatus, RunView } from "./model.js";

export interface OrchestrationSnapshot {
  instanceId: string;
  runtimeStatus: string;
  customStatus?: unknown;
  output?: unknown;
  input?: unknown;
  createdTime?: Date | string;
  lastUpdatedTime?: Date | string;
}

export interface UpgradeResource {
  id: string;
  cluster: string;
  environment?: string;
  fromRelease?: string;
  targetRelease: string;
  mode?: string;
  status: RunStatus;
  /** The orchestration has ended: `halted` may also mean "waiting for an operator" while this is false. */
  finished: boolean;
  reason?: string;
  stage?: string;
  stages: RunView["stages"];
  approvals: {
    pending?: RunView["pendingDecision"];
    decisions: RunView["decisions"];
  };
  plan?: RunView["plan"] | RunPlan;
  hops?: string[];
  events: RunView["events"];
  createdAt?: string;
  updatedAt?: string;
}

interface OutcomeLike {
  status: RunStatus;
  reason: string;
  view: RunView;
  plan?: RunPlan;
}

const iso = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

function isView(value: unknown): value is RunView {
  return typeof value === "object" && value !== null && "status" in value && "stages" in value;
}

function isOutcome(value: unknown): value is OutcomeLike {
  return typeof value === "object" && value !== null && "view" in value && "status" in value;
}

export function upgradeResource(snapshot: OrchestrationSnapshot): UpgradeResource {
  const outcome = isOutcome(snapshot.output) ? snapshot.output : undefined;
  const view = outcome?.view ?? (isView(snapshot.customStatus) ? snapshot.customStatus : undefined);
  const input = snapshot.input as Partial<UpgradeInput> | undefined;
  let status: RunStatus;
  let reason = outcome?.reason;
  switch (snapshot.runtimeStatus) {
    case "Pending":
      status = "pending";
      break;
    case "Completed":
      status = outcome?.status ?? "failed";
      break;
    case "Failed":
      status = "failed";
      reason = reason ?? "the orchestration failed unexpectedly; see its history";
      break;
    case "Terminated":
      status = "cancelled";
      reason = reason ?? "terminated through the management API";
      break;
    default:
      status = view?.status ?? "running";
  }
  const createdAt = iso(snapshot.createdTime);
  const updatedAt = iso(snapshot.lastUpdatedTime);
  return {
    id: snapshot.instanceId,
    cluster: view?.cluster ?? input?.cluster ?? "unknown",
    ...(view?.environment ? { environment: view.environment } : {}),
    ...(view?.fromRelease ? { fromRelease: view.fromRelease } : {}),
    targetRelease: view?.targetRelease ?? input?.targetRelease ?? "unknown",
    ...(view?.mode ? { mode: view.mode } : {}),
    status,
    finished: ["Completed", "Failed", "Terminated"].includes(snapshot.runtimeStatus),
    ...(reason ? { reason } : {}),
    ...(view?.stage ? { stage: view.stage } : {}),
    stages: view?.stages ?? [],
    approvals: {
      ...(view?.pendingDecision ? { pending: view.pendingDecision } : {}),
      decisions: view?.decisions ?? [],
    },
    ...(outcome?.plan ? { plan: outcome.plan } : view?.plan ? { plan: view.plan } : {}),
    ...(view?.hops ? { hops: view.hops } : {}),
    events: view?.events ?? [],
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
  };
}
