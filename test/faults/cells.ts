/**
 * The fault matrix: every fault the simulator can inject (and the two it cannot: mail failing, the runtime killed),
 * crossed with a basic upgrade (2024.12.01 -> 2024.12.02) and a data upgrade (2024.12.02 -> 2025.05.00), with the
 * operator's fixed policy for questions the run asks (stop, or clear the fault and retry).
 */
import type { FaultsInput } from "../../local/sim/index.js";
import type { RunStatus } from "../../lib/workflow/model.js";
import type { LocalAppOptions } from "../../local/app.js";

export type Mode = "basic" | "data";
/**
 * What the operator answers when the run asks: `stop` (stop, leave as it is), `retry` (clear the fault, retry, roll
 * back) or `restore` (stop the halted data upgrade, then restore from the snapshot set, faults left as they are).
 */
export type Policy = "stop" | "retry" | "restore";

export interface Cell {
  /** The fault's name in the table. */
  fault: string;
  mode: Mode;
  policy: Policy;
  faults?: Partial<FaultsInput>;
  profile?: LocalAppOptions["profile"];
  /** Faults injected once the run reaches `stage` (e.g. the point of no return), on top of `faults`. */
  during?: { stage: string; faults: Partial<FaultsInput> };
  /** `dead`: the outbox cannot be written from the start; `after-approval`: it breaks once the run is approved. */
  mail?: "dead" | "after-approval";
  /** Seed of the chaos driver: the runtime is killed and restarted at random points. */
  chaos?: number;
  /** The outcomes the workflow's rules allow for this cell; anything else is a violation. */
  outcomes: RunStatus[];
  /** A workflow bug this cell reveals, reported and not yet fixed: the cell must still show violations. */
  known?: string;
}

/** Faults drawn with a probability hit the known bug or not depending on request order: no claim either way. */
export const isProbabilistic = (cell: Cell): boolean =>
  [cell.faults, cell.during?.faults].some((f) =>
    Object.values(f ?? {}).some((v) => typeof v === "object" && v !== null && "probability" in v),
  );

/** The simulated slow rollout comes up a few seconds after Helm's timeout: a shorter grace sees it still down. */
const SHORT_GRACE = { helmTimeoutGrace: "1s" };

const both = (cell: Omit<Cell, "mode">, data: Partial<Cell> = {}): Cell[] => [
  { ...cell, mode: "basic" },
  { ...cell, mode: "data", ...data },
];

/** Retried transient errors end well; exhausted ones must still end in a named state that says so. */
const transient = (api: "arm" | "kube" | "runCommand"): Cell[] => [
  ...both({
    fault: `${api} 500 x2`,
    policy: "stop",
    faults: { [api]: { status: 500, count: 2 } },
    outcomes: ["completed"],
  }),
  ...both({
    fault: `${api} 429 x2`,
    policy: "stop",
    faults: { [api]: { status: 429, count: 2, retryAfterSeconds: 1 } },
    outcomes: ["completed"],
  }),
  ...both({
    fault: `${api} timeout x1`,
    policy: "stop",
    faults: { [api]: { status: "timeout", count: 1, hangMs: 200 } },
    outcomes: ["completed"],
  }),
  ...both({
    fault: `${api} 503 always`,
    policy: "stop",
    faults: { [api]: { status: 503 } },
    outcomes: ["failed", "halted"],
  }),
  ...both({
    fault: `${api} 500 p=0.3`,
    policy: "retry",
    faults: { [api]: { status: 500, probability: 0.3 }, seed: 7 },
    outcomes: ["completed", "failed", "halted"],
  }),
];

export const CELLS: Cell[] = [
  ...both({ fault: "none", policy: "stop", outcomes: ["completed"] }),
  ...transient("arm"),
  ...transient("kube"),
  ...transient("runCommand"),
  ...both({
    fault: "crash-loop before",
    policy: "stop",
    faults: { crashLoop: ["cluedin-server"] },
    outcomes: ["failed"],
  }),
  ...both(
    {
      fault: "crash-loop after upgrade",
      policy: "stop",
      faults: { crashLoopAfterUpgrade: ["cluedin-server"] },
      outcomes: ["failed"],
    },
    { outcomes: ["halted"] },
  ),
  ...both(
    {
      fault: "crash-loop after upgrade",
      policy: "retry",
      faults: { crashLoopAfterUpgrade: ["cluedin-server"] },
      outcomes: ["failed"],
    },
    { outcomes: ["completed"] },
  ),
  ...both(
    {
      fault: "helm timeout",
      policy: "stop",
      faults: { helmUpgrade: "timeout" },
      profile: { timings: SHORT_GRACE },
      outcomes: ["failed"],
    },
    { outcomes: ["halted"] },
  ),
  ...both(
    {
      fault: "helm timeout x1",
      policy: "retry",
      faults: { helmUpgrade: { mode: "timeout", count: 1 } },
      profile: { timings: SHORT_GRACE },
      outcomes: ["failed"],
    },
    { outcomes: ["completed"] },
  ),
  ...both(
    {
      fault: "helm timeout, rollback ask",
      policy: "stop",
      faults: { helmUpgrade: "timeout" },
      profile: { policies: { rollback: "ask" }, timings: SHORT_GRACE },
      outcomes: ["failed"],
    },
    { outcomes: ["halted"] },
  ),
  ...both(
    {
      fault: "helm timeout, rollback ask",
      policy: "retry",
      faults: { helmUpgrade: "timeout" },
      profile: { policies: { rollback: "ask" }, timings: SHORT_GRACE },
      outcomes: ["failed"],
    },
    { outcomes: ["completed"] },
  ),
  ...both(
    { fault: "helm dies", policy: "stop", faults: { helmUpgrade: "dies" }, outcomes: ["failed"] },
    { outcomes: ["halted"] },
  ),
  ...both(
    {
      fault: "helm dies x1",
      policy: "retry",
      faults: { helmUpgrade: { mode: "dies", count: 1 } },
      outcomes: ["failed"],
    },
    { outcomes: ["completed"] },
  ),
  ...both(
    { fault: "data upgrade error", policy: "stop", faults: { dataUpgrade: "error" }, outcomes: ["completed"] },
    { outcomes: ["halted"] },
  ),
  ...both(
    { fault: "data upgrade error", policy: "retry", faults: { dataUpgrade: "error" }, outcomes: ["completed"] },
    { outcomes: ["completed"] },
  ),
  ...both(
    { fault: "data upgrade never", policy: "stop", faults: { dataUpgrade: "never" }, outcomes: ["completed"] },
    { outcomes: ["halted"] },
  ),
  ...both(
    { fault: "data upgrade never", policy: "retry", faults: { dataUpgrade: "never" }, outcomes: ["completed"] },
    { outcomes: ["completed"] },
  ),
  // From the point of no return on: the run must still end in a named state that says where the cluster is.
  ...both(
    {
      fault: "kube 503 from helm start on",
      policy: "stop",
      during: { stage: "helm-upgrade", faults: { kube: { status: 503 } } },
      outcomes: ["failed", "halted"],
    },
    { during: { stage: "upgrade-mode", faults: { kube: { status: 503 } } } },
  ),
  {
    fault: "runCommand 503 from helm start on",
    mode: "basic",
    policy: "stop",
    during: { stage: "helm-upgrade", faults: { runCommand: { status: 503 } } },
    outcomes: ["failed"],
  },
  {
    fault: "runCommand 503 from helm start on",
    mode: "data",
    policy: "stop",
    during: { stage: "upgrade-mode", faults: { runCommand: { status: 503 } } },
    outcomes: ["halted"],
  },
  // A basic upgrade's verification passes at its first look (helm --wait), so only a data upgrade's can be hit.
  {
    fault: "kube 503 from verify on",
    mode: "data",
    policy: "stop",
    during: { stage: "verify", faults: { kube: { status: 503 } } },
    outcomes: ["failed"],
  },
  // Snapshot faults fail the run before the point of no return, with CluedIn started again; a restore that cannot
  // bind its claims halts and says so.
  { fault: "snapshot never ready", mode: "data", policy: "stop", faults: { snapshots: "never" }, outcomes: ["failed"] },
  { fault: "snapshot error", mode: "data", policy: "stop", faults: { snapshots: "error" }, outcomes: ["failed"] },
  {
    fault: "snapshot quota exceeded",
    mode: "data",
    policy: "stop",
    faults: { snapshots: "quota" },
    outcomes: ["failed"],
  },
  {
    fault: "restore failure",
    mode: "data",
    policy: "restore",
    faults: { dataUpgrade: "error", restore: "fail" },
    outcomes: ["halted"],
  },
  {
    fault: "restore after a failed data upgrade",
    mode: "data",
    policy: "restore",
    faults: { dataUpgrade: "error" },
    outcomes: ["restored"],
  },
  ...both({ fault: "queues stuck", policy: "stop", faults: { queuesStuck: true }, outcomes: ["failed"] }),
  ...both({
    fault: "dead letters grow",
    policy: "stop",
    faults: { deadLetterGrowth: true },
    outcomes: ["completed", "failed"],
  }),
  ...both({ fault: "UI dead", policy: "stop", faults: { ui: "dead" }, outcomes: ["failed"] }),
  ...both({
    fault: "UI slow",
    policy: "stop",
    faults: { ui: { mode: "slow", delayMs: 1_500 } },
    profile: { timings: { uiTimeout: "1s" } },
    outcomes: ["failed"],
  }),
  ...both({
    fault: "server log errors",
    policy: "stop",
    faults: { serverLogErrors: true },
    outcomes: ["completed", "failed"],
  }),
  ...both({ fault: "mail dead", policy: "stop", mail: "dead", outcomes: ["failed"] }),
  ...both({ fault: "mail dies after approval", policy: "stop", mail: "after-approval", outcomes: ["completed"] }),
  ...[11, 12, 13].flatMap((seed) =>
    both({ fault: `runtime killed (seed ${seed})`, policy: "stop", chaos: seed, outcomes: ["completed"] }),
  ),
  ...both(
    {
      fault: "runtime killed + helm timeout",
      policy: "retry",
      chaos: 21,
      faults: { helmUpgrade: { mode: "timeout", count: 1 } },
      profile: { timings: SHORT_GRACE },
      outcomes: ["failed"],
    },
    { outcomes: ["completed"] },
  ),
  ...both({
    fault: "runtime killed + kube 500 p=0.2",
    policy: "retry",
    chaos: 31,
    faults: { kube: { status: 500, probability: 0.2 }, seed: 3 },
    outcomes: ["completed", "failed", "halted"],
  }),
];
