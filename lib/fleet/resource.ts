/** The wave as the routes, the dashboard and the CLI show it: its input, its view and its running stage's letters. */
import type { WaveInput } from "./contracts.js";
import type { WaveStatus } from "./schedule.js";
import { matrix, type ClusterCell, type GateView, type WaveView } from "./view.js";

export interface WaveResource {
  id: string;
  strategy: string;
  targetRelease: string;
  status: WaveStatus;
  finished: boolean;
  stopped: boolean;
  reason?: string;
  requestedBy: string;
  createdAt?: string;
  lastUpdatedAt?: string;
  current?: string;
  stages: {
    name: string;
    outcome?: string;
    soakUntil?: string;
    maxConcurrency: number;
    maxAllowedFailures: number;
    clusters: ClusterCell[];
  }[];
  gates: GateView[];
  /** Gates waiting for people, and who must act. */
  waiting: { stage: string; where: string; approvers: string[]; instance?: string }[];
  events: { at: string; message: string }[];
}

/** `liveCodes[i]`: the letters a running stage pass shows, newer than the wave's own for that stage. */
export function waveResource(
  id: string,
  input: WaveInput,
  view: WaveView | undefined,
  runtime: { status: string; createdAt?: string; lastUpdatedAt?: string },
  liveCodes: readonly (string | undefined)[] = [],
): WaveResource {
  const finished = ["Completed", "Failed", "Terminated"].includes(runtime.status);
  const codes = input.plan.stages.map((s, i) => liveCodes[i] ?? view?.stages[i]?.codes ?? "");
  const cells = matrix(id, input.plan, codes, view?.attempts ?? {});
  const status: WaveStatus =
    runtime.status === "Failed" || runtime.status === "Terminated"
      ? "failed"
      : (view?.status ?? (runtime.status === "Pending" ? "pending" : "running"));
  return {
    id,
    strategy: input.plan.strategy,
    targetRelease: input.targetRelease,
    status,
    finished,
    stopped: view?.stopped ?? false,
    ...(view?.reason ? { reason: view.reason } : {}),
    requestedBy: input.requestedBy.email ?? input.requestedBy.name,
    ...(runtime.createdAt ? { createdAt: runtime.createdAt } : {}),
    ...(runtime.lastUpdatedAt ? { lastUpdatedAt: runtime.lastUpdatedAt } : {}),
    ...(view?.current !== undefined && input.plan.stages[view.current]
      ? { current: input.plan.stages[view.current]!.name }
      : {}),
    stages: input.plan.stages.map((stage, i) => ({
      name: stage.name,
      ...(view?.stages[i]?.outcome ? { outcome: view.stages[i].outcome } : {}),
      ...(view?.stages[i]?.soakUntil ? { soakUntil: view.stages[i].soakUntil } : {}),
      maxConcurrency: stage.maxConcurrency,
      maxAllowedFailures: stage.maxAllowedFailures,
      clusters: cells[i]?.clusters ?? [],
    })),
    gates: view?.gates ?? [],
    waiting: (view?.gates ?? [])
      .filter((g) => g.state === "waiting" && g.type === "approval")
      .map((g) => ({
        stage: g.stage,
        where: g.where,
        approvers: g.approvers ?? [],
        ...(g.instance ? { instance: g.instance } : {}),
      })),
    events: view?.events ?? [],
  };
}
