/**
 * An approval gate of a wave, as a sub-orchestration of its own: it asks the gate's approvers through the upgrade's
 * one human-decision helper (orchestrators/upgrade/decisions.ts: signed e-mailed links, quorum, no self-approval,
 * reminders, deadline = rejection), and its custom status is a run view with the pending decision, so the approval
 * routes (functions/approvals.ts) serve its links unchanged.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import {
  WAVE_CHILD_DONE_EVENT,
  WaveGateInputSchema,
  type GateResult,
  type WaveGateInput,
} from "../../lib/fleet/contracts.js";
import { describeGate } from "../../lib/fleet/gates.js";
import type { UpgradeInput } from "../../lib/workflow/contracts.js";
import type { Flow } from "../calls.js";
import { decide } from "../upgrade/decisions.js";
import { UpgradeRun, type UpgradeDeps } from "../upgrade/run.js";
import { report, type FleetActivities } from "./cluster.js";

/** The gate as the decision helper sees a run: its approvers, quorum and deadline; the rest never applies. */
function gateRun(instanceId: string, input: WaveGateInput): UpgradeInput {
  const gate = input.gate.type === "approval" ? input.gate : undefined;
  const deadline = gate?.deadlineMs ?? 3_600_000;
  return {
    runId: instanceId,
    cluster: `${input.strategy}/${input.stage}`.slice(0, 63),
    targetRelease: input.targetRelease,
    requestedBy: input.requestedBy,
    requestedAt: input.requestedAt,
    allowChain: false,
    policy: {
      environment: "fleet",
      approvers: gate?.approvers ?? [],
      escalation: [],
      notifyUsers: [],
      notifyOperators: [],
      requiredApprovals: gate?.required ?? 1,
      selfApproval: false,
      rollback: "ask",
      ...(gate?.reminderAfterMs !== undefined && gate.reminderAfterMs < deadline
        ? { reminderAfterMs: gate.reminderAfterMs }
        : {}),
      approvalDeadlineMs: deadline,
      decisionDeadlineMs: deadline,
      pollIntervalMs: 60_000,
      queueDrainDeadlineMs: deadline,
      helmTimeoutMs: deadline,
      podsReadyDeadlineMs: deadline,
      dataUpgradeDeadlineMs: deadline,
      verifyDeadlineMs: deadline,
      queueDepthMax: 0,
      logWindowSeconds: 60,
      expectedDowntimeMinutes: 1,
    },
  };
}

export function makeWaveGateOrchestrator(deps: UpgradeDeps & { fleet: FleetActivities }): OrchestrationHandler {
  return function* waveGate(context: OrchestrationContext): Flow<GateResult> {
    const input = WaveGateInputSchema.parse(context.df.getInput());
    const { gate } = input;
    if (gate.type !== "approval") return { passed: true, reason: `${describeGate(gate)}: not decided by people` };
    const result = yield* ask(context, deps, input, gate);
    yield* report(deps.fleet, input.reportTo, WAVE_CHILD_DONE_EVENT, { instanceId: context.df.instanceId, result });
    return result;
  };
}

function* ask(
  context: OrchestrationContext,
  deps: UpgradeDeps,
  input: WaveGateInput,
  gate: Extract<WaveGateInput["gate"], { type: "approval" }>,
): Flow<GateResult> {
  const run = new UpgradeRun(context, deps, gateRun(context.df.instanceId, input));
  run.record.startStage("approval", describeGate(gate));
  const shown = input.clusters.slice(0, 10).join(", ") + (input.clusters.length > 10 ? ", …" : "");
  const outcome = yield* decide(run, {
    kind: "approval",
    approvers: gate.approvers,
    required: gate.required,
    deadlineMs: gate.deadlineMs,
    question: `Approve stage ${input.stage} of wave ${input.waveId} (${input.strategy}): upgrade ${input.clusters.length} cluster(s) to ${input.targetRelease}: ${shown}?`,
  });
  const approvers = run.record.current.decisions.filter((d) => d.choice === "approve").map((d) => d.approver);
  const passed = outcome.choice === "approve";
  const reason = passed
    ? `approved by ${approvers.join(", ")}`
    : outcome.choice === "cancelled"
      ? "cancelled while waiting"
      : outcome.timedOut
        ? "no decision before the deadline (timeout counts as rejection)"
        : outcome.choice === "undeliverable"
          ? "no approver could be reached"
          : "rejected";
  run.record.endStage("approval", passed ? "succeeded" : "failed", reason);
  run.record.status(passed ? "completed" : outcome.choice === "cancelled" ? "cancelled" : "rejected");
  return {
    passed,
    reason,
    ...(passed ? { approval: { gate: `wave gate ${input.stage}`, decisionId: context.df.instanceId, approvers } } : {}),
  };
}
