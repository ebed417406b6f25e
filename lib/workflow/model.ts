/**
 * The upgrade run as the outside world sees it: its named states, its stages, its decisions. Pure data and pure
 * functions; orchestrators keep these values in their custom status and output.
 */
import { z } from "zod";
import type { PlanSummary } from "../plan/index.js";

/** Every run ends in one of the terminal states; `halted` means a human must act on the cluster. */
export const RUN_STATUSES = [
  "pending",
  "running",
  "awaiting-approval",
  "completed",
  "failed",
  "halted",
  "rejected",
  "cancelled",
  /** Put back from the snapshot set taken before the upgrade, on an operator's decision. */
  "restored",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const LIVE_STATUSES: readonly RunStatus[] = ["pending", "running", "awaiting-approval"];
/** Every status but the live ones: a status added to RUN_STATUSES is terminal unless it is listed as live. */
export const TERMINAL_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => !LIVE_STATUSES.includes(s));

/**
 * The runbook's stages, in order. A data upgrade replaces `helm-upgrade` with its three phases; `before-helm` and
 * `after-helm` run a release page's procedure steps when it has some.
 */
export const STAGES = [
  "read-values",
  "prepare-values",
  "pre-checks",
  "approval",
  "pre-pull",
  "maintenance-window",
  "downtime-notice",
  "snapshot",
  "before-helm",
  "helm-upgrade",
  "upgrade-mode",
  "data-upgrade",
  "finalize",
  "after-helm",
  "rollback",
  "restore",
  "verify",
  "retention",
  "notify",
] as const;
export type StageName = (typeof STAGES)[number];

/** The stages that change the cluster: once one has begun, a cancel can no longer leave it untouched. */
export const HELM_STAGES: readonly StageName[] = ["helm-upgrade", "upgrade-mode", "data-upgrade", "finalize"];

/** Every stage that changes the cluster: Helm's, and the release page's own steps around them. */
const CLUSTER_STAGES: readonly StageName[] = [...HELM_STAGES, "before-helm", "after-helm"];

export const pastPointOfNoReturn = (stages: readonly { name: string }[]): boolean =>
  stages.some((s) => (CLUSTER_STAGES as readonly string[]).includes(s.name));

export type StageState = "running" | "succeeded" | "failed" | "skipped";

/** A stage of a run; records read back from the audit sink (parsed by zod) may carry absent fields as undefined. */
export interface StageRecord {
  name: StageName;
  state: StageState;
  startedAt: string;
  endedAt?: string | undefined;
  note?: string | undefined;
}

export type UpgradeMode = "basic" | "data-upgrade";

export const DecisionKindSchema = z.enum(["approval", "rollback", "halted-data-upgrade", "recover-pending", "restore"]);
export type DecisionKind = z.infer<typeof DecisionKindSchema>;

/** The choices each kind of human decision offers; the first is the affirmative one. */
export const DECISION_CHOICES: Record<DecisionKind, readonly string[]> = {
  approval: ["approve", "reject"],
  rollback: ["rollback", "leave"],
  "halted-data-upgrade": ["retry", "finalize", "stop"],
  "recover-pending": ["rollback", "stop"],
  restore: ["restore", "leave"],
};

/**
 * An approval that also overrides the cluster's blocked days; offered only when the start falls on one, counted as an
 * approval, and only with a reason (recorded in the audit record with who gave it).
 */
export const OVERRIDE_CHOICE = "override";

/** The approval choices when the start falls on a blocked day. */
export const APPROVAL_WITH_OVERRIDE: readonly string[] = ["approve", OVERRIDE_CHOICE, "reject"];

/** Whether a choice approves (a plain approval or one that overrides blocked days). */
export const approves = (choice: string): boolean => choice === "approve" || choice === OVERRIDE_CHOICE;

/** What a person decided, as raised into the orchestration by the approval route. */
export const DecisionEventSchema = z.object({
  requestId: z.string().min(1).max(100),
  approver: z.string().min(1).max(320),
  choice: z.string().min(1).max(40),
  reason: z.string().max(2000).optional(),
  decidedAt: z.string().max(40),
  principal: z.string().max(320).optional(),
  clientAddress: z.string().max(100).optional(),
  /** The approval route's signature (lib/approvals/decision.ts); without a valid one the event is refused. */
  signature: z.string().max(100).optional(),
});
export type DecisionEvent = z.infer<typeof DecisionEventSchema>;

export interface PendingDecision {
  requestId: string;
  kind: DecisionKind;
  choices: readonly string[];
  approvers: string[];
  required: number;
  decided: { approver: string; choice: string; decidedAt: string }[];
  deadline: string;
}

/** One line of the run's readable event log (kept short: it lives in custom status). */
export interface RunEvent {
  at: string;
  message: string;
}

/** The run's custom status: small, redacted, enough for a dashboard to draw. */
export interface RunView {
  status: RunStatus;
  cluster: string;
  environment: string;
  fromRelease?: string;
  targetRelease: string;
  mode?: UpgradeMode;
  stage?: StageName;
  stages: StageRecord[];
  pendingDecision?: PendingDecision;
  decisions: DecisionRecord[];
  plan?: PlanSummary;
  hops?: string[];
  events: RunEvent[];
}

/** Whether a decision's signature was checked and held (`verified`), was missing, or did not match. */
export type DecisionSigned = "verified" | "unsigned" | "invalid";

/**
 * A decision as the run records it: the event that was raised (without its signature), the kind of request it
 * answered, and what the signature check found (absent on runs that predate signed decisions).
 */
export type DecisionRecord = Omit<DecisionEvent, "signature"> & {
  kind: DecisionKind;
  signed?: DecisionSigned | undefined;
};

/**
 * What the view keeps, so that custom status stays far under the host's 16 KB of UTF-16 whatever people type: the
 * newest events and short texts. The run's evidence keeps every event and reason whole for the audit record.
 */
export const VIEW_LIMITS = { events: 6, text: 120, reason: 100 } as const;

export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function startStage(view: RunView, name: StageName, at: Date, note?: string): RunView {
  const stages = view.stages.filter((s) => !(s.name === name && s.state === "running"));
  return {
    ...view,
    stage: name,
    stages: [
      ...stages,
      { name, state: "running", startedAt: at.toISOString(), ...(note ? { note: clip(note, VIEW_LIMITS.text) } : {}) },
    ],
  };
}

export function endStage(view: RunView, name: StageName, state: StageState, at: Date, fullNote?: string): RunView {
  const note = fullNote === undefined ? undefined : clip(fullNote, VIEW_LIMITS.text);
  let found = false;
  const stages = view.stages.map((s) => {
    if (s.name !== name || s.state !== "running") return s;
    found = true;
    return { ...s, state, endedAt: at.toISOString(), ...(note ? { note } : {}) };
  });
  if (!found)
    stages.push({ name, state, startedAt: at.toISOString(), endedAt: at.toISOString(), ...(note ? { note } : {}) });
  return { ...view, stages };
}

export function addEvent(view: RunView, at: Date, message: string): RunView {
  const events = [...view.events, { at: at.toISOString(), message: clip(message, VIEW_LIMITS.text) }];
  return { ...view, events: events.slice(-VIEW_LIMITS.events) };
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
