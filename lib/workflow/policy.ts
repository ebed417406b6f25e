/** The part of a cluster profile that governs a run, flattened into the run's input so its history records it. */
import type { ClusterProfile } from "../config/clusters.js";
import type { RunPolicy } from "./contracts.js";

export function runPolicyFor(profile: ClusterProfile, expectedDowntimeMinutes: number): RunPolicy {
  const { approvals, rollback, blockedDays, maintenanceWindow } = profile.policies;
  const { timings, thresholds } = profile;
  return {
    environment: profile.environment,
    approvers: profile.approvers.map((a) => a.email),
    escalation: profile.escalation.map((a) => a.email),
    notifyUsers: profile.notify.users,
    notifyOperators: profile.notify.operators,
    requiredApprovals: approvals.required,
    selfApproval: approvals.selfApproval,
    rollback,
    ...(approvals.reminderAfter !== undefined ? { reminderAfterMs: approvals.reminderAfter } : {}),
    ...(approvals.escalateAfter !== undefined ? { escalateAfterMs: approvals.escalateAfter } : {}),
    approvalDeadlineMs: approvals.deadline,
    decisionDeadlineMs: timings.decisionDeadline,
    pollIntervalMs: timings.pollInterval,
    queueDrainDeadlineMs: timings.queueDrainDeadline,
    helmTimeoutMs: timings.helmTimeout,
    helmTimeoutGraceMs: timings.helmTimeoutGrace,
    podsReadyDeadlineMs: timings.podsReadyDeadline,
    dataUpgradeDeadlineMs: timings.dataUpgradeDeadline,
    verifyDeadlineMs: timings.verifyDeadline,
    queueDepthMax: thresholds.queueDepthMax,
    logWindowSeconds: Math.max(1, Math.round(thresholds.logWindow / 1000)),
    expectedDowntimeMinutes,
    blockedDays,
    ...(profile.timeZone ? { timeZone: profile.timeZone } : {}),
    ...(maintenanceWindow ? { maintenanceWindow } : {}),
    ...(profile.notify.businessImpact ? { businessImpact: profile.notify.businessImpact } : {}),
    snapshots: {
      mode: profile.policies.snapshots,
      ...(profile.policies.snapshotClass ? { className: profile.policies.snapshotClass } : {}),
      deadlineMs: timings.snapshotDeadline,
      retention: profile.policies.snapshotRetention,
      waivers: profile.policies.snapshotWaivers,
      deleteOnFailure: profile.policies.snapshotCleanupOnFailure,
    },
    prePull: { mode: profile.policies.prePull, deadlineMs: timings.prePullDeadline },
  };
}
