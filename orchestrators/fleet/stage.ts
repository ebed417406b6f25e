/**
 * One stage of a wave: starts each cluster's upgrade (orchestrators/fleet/cluster.ts) as the pure decisions allow
 * (lib/fleet/schedule.ts: limits, failure budgets, skips, gates of groups, maintenance windows) and applies the
 * controls the wave forwards (stop, resume, skip).
 *
 * Why the clusters report by event: waiting for "any of the running clusters" would mean yielding each running
 * child again in a new `Task.any`, and durable-functions adds a compound task's whole action list when it is yielded
 * (WhenAnyAction.compoundActions: every child's action), so the host would start those children again. So each
 * child is yielded once, in the round that starts it, and raises `WaveClusterDone` on its stage when it ends; the
 * stage waits on that event and the control event, which may be yielded again safely (events are matched by name,
 * and ones that arrive while nobody waits are kept for the next waiter: TaskOrchestrationExecutor deferredTasks).
 *
 * History: about six events per cluster (child created and completed, the done event, an episode's start and end)
 * plus a few per control, so it grows with the stage's clusters, never with the wave's.
 */
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import {
  ClusterDoneSchema,
  WAVE_CHILD_DONE_EVENT,
  WAVE_CLUSTER_DONE_EVENT,
  WAVE_CONTROL_EVENT,
  type FLEET_ORCHESTRATIONS,
  WaveControlSchema,
  WaveStageInputSchema,
  type ClusterDone,
  type StageResult,
  type WaveApproval,
  type WaveClusterInput,
  type WaveControl,
  type WaveStageInput,
} from "../../lib/fleet/contracts.js";
import { applySkip } from "../../lib/fleet/controls.js";
import { scheduledStartAt } from "../../lib/fleet/gates.js";
import { clusterInstanceId, waveRunId } from "../../lib/fleet/ids.js";
import { decideStarts, encodeStates, stageOutcome, type ClusterState } from "../../lib/fleet/schedule.js";
import type { Orchestration } from "../../lib/workflow/orchestrations.js";
import { scheduleChild, type Flow } from "../calls.js";
import { report, type FleetActivities } from "./cluster.js";

export interface WaveStageDeps {
  activities: FleetActivities;
  waveCluster: () => Orchestration<(typeof FLEET_ORCHESTRATIONS.waveCluster)["input"], ClusterDone>;
}

function approvalOf(input: WaveStageInput, cluster: string): WaveApproval | undefined {
  const planned = input.stage.groups.flatMap((g) => g.clusters).find((c) => c.name === cluster);
  if (planned?.approval === "gate") return input.gateApproval;
  if (planned?.approval === "start")
    return {
      gate: "the wave's start",
      decisionId: input.waveId,
      approvers: [input.requestedBy.email ?? input.requestedBy.name],
    };
  return undefined;
}

/** When each group's scheduled-start gates let it begin (groups without one: at once). */
function groupOpenings(input: WaveStageInput, from: number): Map<string, number> {
  return new Map(
    input.stage.groups.map((group) => [
      group.name,
      group.before.reduce((at, gate) => (gate.type === "scheduledStart" ? scheduledStartAt(gate, at) : at), from),
    ]),
  );
}

export function makeWaveStageOrchestrator(deps: WaveStageDeps): OrchestrationHandler {
  return function* waveStage(context: OrchestrationContext): Flow<StageResult> {
    const input = WaveStageInputSchema.parse(context.df.getInput());
    const { stage } = input;
    const dfc = context.df;
    const states: Record<string, ClusterState> = { ...input.states };
    let stopped = input.stopped;
    const applied: WaveControl[] = [];
    let control = dfc.waitForExternalEvent(WAVE_CONTROL_EVENT);
    let done = dfc.waitForExternalEvent(WAVE_CLUSTER_DONE_EVENT);
    const openings = groupOpenings(input, dfc.currentUtcDateTime.getTime());
    const publish = () => dfc.setCustomStatus({ codes: encodeStates(stage, states), stopped });

    for (;;) {
      const now = dfc.currentUtcDateTime.getTime();
      const openGroups = [...openings].filter(([, at]) => at <= now).map(([group]) => group);
      const decision = decideStarts(stage, { states, stopped, openGroups, now });
      for (const cluster of decision.pending) states[cluster] = "pending";
      if (decision.done) break;
      const started: Task[] = decision.start.map((cluster) => {
        states[cluster] = "running";
        const attempt = input.attempts[cluster] ?? 0;
        const approval = approvalOf(input, cluster);
        const child: WaveClusterInput = {
          waveId: input.waveId,
          targetRelease: input.targetRelease,
          requestedBy: input.requestedBy,
          requestedAt: input.requestedAt,
          cluster,
          runId: waveRunId(input.waveId, cluster, attempt),
          stageInstance: dfc.instanceId,
          busyCluster: input.busyCluster,
          ...(approval ? { approval } : {}),
        };
        return scheduleChild(deps.waveCluster(), child, clusterInstanceId(dfc.instanceId, cluster, attempt)).task;
      });
      publish();
      const wakeAt = Math.min(decision.wakeAt ?? Infinity, ...[...openings.values()].filter((at) => at > now));
      // A fresh timer each round, cancelled when something else wins: never yielded twice (see decisions.ts).
      const timer: TimerTask | undefined = Number.isFinite(wakeAt) ? dfc.createTimer(new Date(wakeAt)) : undefined;
      const winner = (yield dfc.Task.any([...started, done, control, ...(timer ? [timer] : [])])) as Task;
      if (timer && winner !== timer) timer.cancel();
      if (done.isCompleted) {
        const ended = ClusterDoneSchema.safeParse(done.result);
        done = dfc.waitForExternalEvent(WAVE_CLUSTER_DONE_EVENT);
        // A repeated report (activities run at least once) finds the cluster settled already and changes nothing.
        if (ended.success && states[ended.data.cluster] === "running") states[ended.data.cluster] = ended.data.state;
      }
      if (control.isCompleted) {
        const parsed = WaveControlSchema.safeParse(control.result);
        control = dfc.waitForExternalEvent(WAVE_CONTROL_EVENT);
        if (parsed.success) {
          const c = parsed.data;
          if (c.action === "stop") stopped = true;
          if (c.action === "resume") stopped = false;
          if (c.action === "skip" && c.target) Object.assign(states, applySkip(stage, states, c.target).states);
          applied.push(c);
        }
      }
    }
    for (const [cluster, state] of Object.entries(states))
      if (state === "waiting" || state === "pending") states[cluster] = "not-started";
    for (const cluster of stage.groups.flatMap((g) => g.clusters.map((c) => c.name))) states[cluster] ??= "not-started";
    publish();
    const result: StageResult = { states, outcome: stageOutcome(stage, states, stopped), applied };
    yield* report(deps.activities, input.reportTo, WAVE_CHILD_DONE_EVENT, { instanceId: dfc.instanceId, result });
    return result;
  };
}
