/**
 * A fleet wave: the strategy's stages in order, each behind its gates, run by a stage sub-orchestration, followed by
 * its soak (`afterStageWait`, Fleet Manager's afterStageWaitInSeconds, as a durable timer) and its after-gates.
 * Fail-fast by default; a stopped or failed wave waits (up to `lingerMs`) for resume or retry, then closes.
 *
 * History bound: the wave itself never waits on a cluster. Per stage pass it records a handful of events (gates,
 * the stage child and its report, the soak timer, one notification) and a few per control, so its history is
 * O(stages x passes + controls) whatever the number of clusters; the clusters' events live in the stage
 * sub-orchestrations (O(clusters of that stage)) and in each cluster's own orchestrations.
 */
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import {
  WAVE_CHILD_DONE_EVENT,
  WAVE_CONTROL_EVENT,
  WaveControlSchema,
  WaveInputSchema,
  type FLEET_ORCHESTRATIONS,
  type GateResult,
  type StageResult,
  type WaveApproval,
  type WaveControl,
  type WaveInput,
  type WaveResult,
} from "../../lib/fleet/contracts.js";
import { applyRetry, applySkip, type StageStates } from "../../lib/fleet/controls.js";
import { describeGate, scheduledStartAt } from "../../lib/fleet/gates.js";
import { gateInstanceId, stageInstanceId } from "../../lib/fleet/ids.js";
import type { Gate, PlannedStage } from "../../lib/fleet/plan.js";
import { encodeStates, waveOutcome, type StageOutcome, type WaveStatus } from "../../lib/fleet/schedule.js";
import { matrix, withEvent, withGate, type GateView, type WaveRecord, type WaveView } from "../../lib/fleet/view.js";
import { CANCEL_EVENT, type Orchestration } from "../../lib/workflow/orchestrations.js";
import { call, scheduleChild, type Flow } from "../calls.js";
import { describeError } from "../upgrade/errors.js";
import { report, type FleetActivities } from "./cluster.js";

type Def<K extends keyof typeof FLEET_ORCHESTRATIONS> = (typeof FLEET_ORCHESTRATIONS)[K];

export interface WaveDeps {
  activities: FleetActivities;
  waveStage: () => Orchestration<Def<"waveStage">["input"], StageResult>;
  waveGate: () => Orchestration<Def<"waveGate">["input"], GateResult>;
}

const MAX_CONTROLS_KEPT = 200;

/** The wave's run: its input, its states by stage, its view, and the control waiter that lives for the whole run. */
class Wave {
  view: WaveView;
  states: StageStates[];
  attempts: Record<string, number> = {};
  outcomes: (StageOutcome | undefined)[];
  stopped = false;
  passes: number[];
  controls: WaveControl[] = [];
  /** The child a control must reach while the wave waits on it. */
  active: { instance: string; kind: "stage" | "gate" } | undefined;
  private control: Task;
  private childDone: Task;

  constructor(
    readonly context: OrchestrationContext,
    readonly deps: WaveDeps,
    readonly input: WaveInput,
  ) {
    this.states = input.plan.stages.map(() => ({}));
    this.outcomes = input.plan.stages.map(() => undefined);
    this.passes = input.plan.stages.map(() => 0);
    this.view = {
      status: "running",
      stopped: false,
      stages: input.plan.stages.map((s) => ({ name: s.name, codes: encodeStates(s, {}) })),
      gates: [],
      attempts: {},
      events: [],
    };
    this.control = context.df.waitForExternalEvent(WAVE_CONTROL_EVENT);
    this.childDone = context.df.waitForExternalEvent(WAVE_CHILD_DONE_EVENT);
    this.publish();
  }

  get now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  get plan() {
    return this.input.plan;
  }

  /** What every child of the wave is told about it. */
  get common(): Pick<WaveInput, "waveId" | "targetRelease" | "requestedBy" | "requestedAt"> {
    const { waveId, targetRelease, requestedBy, requestedAt } = this.input;
    return { waveId, targetRelease, requestedBy, requestedAt };
  }

  publish(): void {
    this.view = {
      ...this.view,
      stopped: this.stopped,
      attempts: this.attempts,
      stages: this.plan.stages.map((s, i) => ({
        ...this.view.stages[i],
        name: s.name,
        codes: encodeStates(s, this.states[i] ?? {}),
        ...(this.outcomes[i] ? { outcome: this.outcomes[i] } : {}),
      })),
    };
    this.context.df.setCustomStatus(this.view);
  }

  event(message: string): void {
    this.view = withEvent(this.view, this.now, message);
    this.publish();
  }

  status(status: WaveStatus, reason?: string): void {
    this.view = { ...this.view, status, ...(reason ? { reason } : {}) };
    this.publish();
  }

  gate(gate: GateView): void {
    this.view = withGate(this.view, gate);
    this.publish();
  }

  stageView(index: number, patch: Partial<WaveView["stages"][number]>): void {
    const stages = this.view.stages.map((s, i) => (i === index ? { ...s, ...patch } : s));
    this.view = { ...this.view, stages };
    this.publish();
  }

  /** Waits for `first` (yielded in this round only) or the child's report, handling controls meanwhile. */
  *awaitChild<R>(first: Task, instance: string, kind: "stage" | "gate"): Flow<R | { failed: string }> {
    this.active = { instance, kind };
    let contenders: Task[] = [first];
    try {
      for (;;) {
        yield this.context.df.Task.any([...contenders, this.childDone, this.control]);
        contenders = [];
        if (this.childDone.isCompleted) {
          const reported = this.childDone.result as { instanceId?: string; result?: R } | undefined;
          this.childDone = this.context.df.waitForExternalEvent(WAVE_CHILD_DONE_EVENT);
          if (reported?.instanceId === instance && reported.result !== undefined) return reported.result;
        }
        if (first.isFaulted) return { failed: describeError(first.result) };
        if (this.control.isCompleted) yield* this.onControl();
      }
    } finally {
      this.active = undefined;
    }
  }

  /** Sleeps until `until`, handling controls meanwhile; a fresh timer each round (never one yielded twice). */
  *sleepUntil(until: Date): Flow<void> {
    for (;;) {
      if (this.now.getTime() >= until.getTime()) return;
      const timer: TimerTask = this.context.df.createTimer(until);
      const winner = (yield this.context.df.Task.any([timer, this.control])) as Task;
      if (winner === timer) return;
      timer.cancel();
      yield* this.onControl();
    }
  }

  /** Waits for resume or retry after a stop or a failure; false once `lingerMs` has passed without one. */
  *awaitRestart(): Flow<"resume" | "retry" | undefined> {
    const until = new Date(this.now.getTime() + this.input.lingerMs);
    for (;;) {
      const timer: TimerTask = this.context.df.createTimer(until);
      const winner = (yield this.context.df.Task.any([timer, this.control])) as Task;
      if (winner === timer) return undefined;
      timer.cancel();
      const control = yield* this.onControl();
      if (control?.action === "resume" && this.view.status === "stopped") return "resume";
      if (control?.action === "retry" && this.view.status !== "stopped") return "retry";
    }
  }

  /** Applies the control that arrived, forwards what concerns the running child, and keeps it for the audit. */
  *onControl(): Flow<WaveControl | undefined> {
    const parsed = WaveControlSchema.safeParse(this.control.result);
    this.control = this.context.df.waitForExternalEvent(WAVE_CONTROL_EVENT);
    if (!parsed.success) {
      this.event("a malformed control was ignored");
      return undefined;
    }
    const control = parsed.data;
    if (this.controls.length < MAX_CONTROLS_KEPT) this.controls.push(control);
    const why = `${control.by}${control.reason ? `: ${control.reason}` : ""}`;
    switch (control.action) {
      case "stop":
        this.stopped = true;
        this.event(`stop asked by ${why}: no new starts, running upgrades finish`);
        break;
      case "resume":
        this.stopped = false;
        this.event(`resume asked by ${why}`);
        break;
      case "skip": {
        if (!control.target) break;
        const skipped = this.plan.stages.flatMap((stage, i) => {
          const result = applySkip(stage, this.states[i] ?? {}, control.target!);
          this.states[i] = result.states;
          return result.skipped;
        });
        this.event(`skip ${control.target.kind} ${control.target.name} by ${why} (${skipped.length} cluster(s))`);
        break;
      }
      case "retry":
        this.event(`retry asked by ${why}`);
        break;
    }
    const active = this.active;
    if (active && control.action !== "retry") {
      const cancelGate = active.kind === "gate" && control.action === "stop";
      if (active.kind === "stage" || cancelGate)
        yield* report(
          this.deps.activities,
          active.instance,
          cancelGate ? CANCEL_EVENT : WAVE_CONTROL_EVENT,
          cancelGate
            ? { by: control.by, at: control.at, ...(control.reason ? { reason: control.reason } : {}) }
            : control,
        );
    }
    return control;
  }
}

type GateEnd = { passed: true; approval?: WaveApproval } | { passed: false; reason: string };

function* passGate(wave: Wave, index: number, where: "before" | "after", gate: Gate, k: number): Flow<GateEnd> {
  const stage = wave.plan.stages[index]!;
  const base: GateView = { stage: stage.name, where, type: gate.type, state: "waiting" };
  if (gate.type === "scheduledStart") {
    const opensAt = new Date(scheduledStartAt(gate, wave.now.getTime()));
    wave.gate({ ...base, opensAt: opensAt.toISOString(), note: describeGate(gate) });
    yield* wave.sleepUntil(opensAt);
    wave.gate({ ...base, state: "passed", opensAt: opensAt.toISOString() });
    return { passed: true };
  }
  if (gate.type === "health") {
    // The clusters upgraded so far in this stage (after) or the stage before (before), read at this moment.
    const source = where === "after" ? index : index - 1;
    const clusters = Object.entries(wave.states[source] ?? {})
      .filter(([, state]) => state === "succeeded")
      .map(([name]) => name);
    wave.gate(base);
    const health = yield* call(wave.deps.activities.checkFleetHealth, { clusters });
    const passed = health.unhealthy.length === 0;
    const note = passed
      ? `${health.healthy.length} cluster(s) healthy`
      : `unhealthy: ${health.unhealthy.map((u) => `${u.cluster} (${u.reason})`).join("; ")}`;
    wave.gate({ ...base, state: passed ? "passed" : "failed", note });
    return passed ? { passed: true } : { passed: false, reason: `health gate of ${stage.name}: ${note}` };
  }
  const instance = gateInstanceId(wave.input.waveId, `${index}-${where}`, k, wave.passes[index] ?? 0);
  wave.gate({ ...base, instance, approvers: gate.approvers });
  wave.status("awaiting-approval");
  const clusters = stage.groups.flatMap((g) => g.clusters.map((c) => c.name));
  const child = scheduleChild(
    wave.deps.waveGate(),
    {
      ...wave.common,
      strategy: wave.plan.strategy,
      stage: stage.name,
      clusters,
      gate,
      reportTo: wave.context.df.instanceId,
    },
    instance,
  );
  const result = yield* wave.awaitChild<GateResult>(child.task, instance, "gate");
  wave.status("running");
  if ("failed" in result) {
    wave.gate({ ...base, instance, state: "failed", note: result.failed });
    return { passed: false, reason: `approval gate of ${stage.name}: ${result.failed}` };
  }
  wave.gate({ ...base, instance, state: result.passed ? "passed" : "failed", note: result.reason });
  return result.passed
    ? { passed: true, ...(result.approval ? { approval: result.approval } : {}) }
    : { passed: false, reason: `approval gate of ${stage.name}: ${result.reason}` };
}

function* passGates(wave: Wave, index: number, where: "before" | "after"): Flow<GateEnd> {
  const stage = wave.plan.stages[index]!;
  let approval: WaveApproval | undefined;
  for (const [k, gate] of stage[where].entries()) {
    if (wave.stopped) return { passed: false, reason: "stopped" };
    const end = yield* passGate(wave, index, where, gate, k);
    if (!end.passed) return end;
    approval = end.approval ?? approval;
  }
  return { passed: true, ...(approval ? { approval } : {}) };
}

const allSkipped = (stage: PlannedStage, states: StageStates): boolean =>
  stage.groups.every((g) => g.clusters.every((c) => states[c.name] === "skipped"));

/** One stage: before-gates, the stage's clusters, the soak, after-gates. Answers the stage's outcome. */
function* runStage(wave: Wave, index: number): Flow<{ outcome: StageOutcome; reason?: string }> {
  const stage = wave.plan.stages[index]!;
  wave.passes[index] = (wave.passes[index] ?? 0) + 1;
  wave.view = { ...wave.view, current: index };
  wave.event(`stage ${stage.name} begins`);
  if (allSkipped(stage, wave.states[index] ?? {})) return { outcome: "succeeded" };
  const before = yield* passGates(wave, index, "before");
  if (!before.passed) return wave.stopped ? { outcome: "stopped" } : { outcome: "failed", reason: before.reason };
  if (allSkipped(stage, wave.states[index] ?? {})) return { outcome: "succeeded" };

  const instance = stageInstanceId(wave.input.waveId, index, wave.passes[index] ?? 1);
  wave.stageView(index, { instance });
  const child = scheduleChild(
    wave.deps.waveStage(),
    {
      ...wave.common,
      index,
      stage,
      states: wave.states[index] ?? {},
      attempts: wave.attempts,
      stopped: wave.stopped,
      busyCluster: wave.plan.busyCluster,
      ...(before.approval ? { gateApproval: before.approval } : {}),
      reportTo: wave.context.df.instanceId,
    },
    instance,
  );
  const result = yield* wave.awaitChild<StageResult>(child.task, instance, "stage");
  if ("failed" in result) return { outcome: "failed", reason: `stage ${stage.name}: ${result.failed}` };
  wave.states[index] = result.states;
  wave.stopped = wave.stopped || result.applied.some((c) => c.action === "stop");
  if (result.outcome === "failed" || result.outcome === "stopped")
    return { outcome: result.outcome, reason: `stage ${stage.name} ${result.outcome}` };

  if (stage.afterStageWaitMs > 0) {
    const until = new Date(wave.now.getTime() + stage.afterStageWaitMs);
    wave.stageView(index, { soakUntil: until.toISOString() });
    wave.event(`stage ${stage.name}: soak until ${until.toISOString()}`);
    yield* wave.sleepUntil(until);
  }
  const after = yield* passGates(wave, index, "after");
  if (!after.passed) return wave.stopped ? { outcome: "stopped" } : { outcome: "failed", reason: after.reason };
  return { outcome: result.outcome };
}

function* notifyStage(wave: Wave, subject: string, lines: string[]): Flow<void> {
  if (wave.plan.notify.length === 0) return;
  try {
    yield* call(wave.deps.activities.notifyWave, { waveId: wave.input.waveId, to: wave.plan.notify, subject, lines });
  } catch (error) {
    wave.event(`notification not sent: ${describeError(error)}`);
  }
}

function* runStages(wave: Wave): Flow<string | undefined> {
  for (let index = 0; index < wave.plan.stages.length; index++) {
    if (wave.outcomes[index] === "succeeded" || wave.outcomes[index] === "succeeded-with-failures") continue;
    const stage = wave.plan.stages[index]!;
    if (wave.stopped) {
      wave.outcomes[index] = "stopped";
      return "stopped before stage " + stage.name;
    }
    const { outcome, reason } = yield* runStage(wave, index);
    wave.outcomes[index] = outcome;
    wave.publish();
    const codes = encodeStates(stage, wave.states[index] ?? {});
    const counts = [...codes].reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {});
    yield* notifyStage(wave, `stage ${stage.name} ${outcome}`, [
      `Wave ${wave.input.waveId} (${wave.plan.strategy}) to ${wave.input.targetRelease}: stage ${stage.name} ${outcome}.`,
      `Clusters: ${counts.c ?? 0} upgraded, ${counts.f ?? 0} failed, ${counts.s ?? 0} skipped, ${counts.n ?? 0} not started.`,
      ...(reason ? [reason] : []),
    ]);
    if (outcome === "failed" || outcome === "stopped") return reason ?? `stage ${stage.name} ${outcome}`;
  }
  return undefined;
}

function record(wave: Wave, status: WaveStatus, reason: string): WaveRecord {
  return {
    waveId: wave.input.waveId,
    strategy: wave.plan.strategy,
    targetRelease: wave.input.targetRelease,
    requestedBy: wave.input.requestedBy.email ?? wave.input.requestedBy.name,
    requestedAt: wave.input.requestedAt,
    endedAt: wave.now.toISOString(),
    status,
    reason,
    stages: matrix(
      wave.input.waveId,
      wave.plan,
      wave.plan.stages.map((s, i) => encodeStates(s, wave.states[i] ?? {})),
      wave.attempts,
    ).map((m, i) => ({
      stage: m.stage,
      ...(wave.outcomes[i] ? { outcome: wave.outcomes[i] } : {}),
      clusters: m.clusters.map((c) => (c.runId ? { ...c, auditUri: `/api/upgrades/${c.runId}/audit` } : c)),
    })),
    gates: wave.view.gates,
    controls: wave.controls,
  };
}

export function makeWaveOrchestrator(deps: WaveDeps): OrchestrationHandler {
  return function* wave(context: OrchestrationContext): Flow<WaveResult> {
    const run = new Wave(context, deps, WaveInputSchema.parse(context.df.getInput()));
    let status: WaveStatus;
    let reason: string;
    for (;;) {
      const stoppedBy = yield* runStages(run);
      status = waveOutcome(run.outcomes.map((o) => o ?? "stopped"));
      if (!stoppedBy && status === "stopped") status = "completed";
      reason = stoppedBy ?? `${status}: ${run.plan.stages.map((s, i) => `${s.name} ${run.outcomes[i]}`).join(", ")}`;
      run.status(status, reason);
      run.event(`wave ${status}`);
      if (status === "completed") break;
      const restart = yield* run.awaitRestart();
      if (!restart) break;
      if (restart === "resume") {
        run.stopped = false;
        run.outcomes = run.outcomes.map((o) => (o === "stopped" ? undefined : o));
      } else {
        run.plan.stages.forEach((stage, i) => {
          const retried = applyRetry(run.states[i] ?? {}, run.attempts);
          run.states[i] = retried.states;
          run.attempts = retried.attempts;
          if (retried.retried.length > 0 || run.outcomes[i] === "failed" || run.outcomes[i] === "stopped")
            run.outcomes[i] = undefined;
        });
      }
      run.status("running");
    }
    yield* notifyStage(run, `wave ${status}`, [
      `Wave ${run.input.waveId} (${run.plan.strategy}) ended ${status}.`,
      reason,
    ]);
    try {
      yield* call(deps.activities.archiveWave, {
        waveId: run.input.waveId,
        record: { ...record(run, status, reason) },
      });
    } catch (error) {
      run.event(`audit record not kept: ${describeError(error)}`);
    }
    return { status: status, reason };
  };
}
