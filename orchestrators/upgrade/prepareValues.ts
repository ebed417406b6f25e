/**
 * Runbook: "Prepare new Helm user values". The activity prepares the target release's values from the source
 * revision and answers with the plan; a target more than one hop away is a chain, run hop by hop when allowed.
 */
import type { Flow } from "../calls.js";
import { call } from "../calls.js";
import { transientRetry } from "../retry.js";
import { end, go, type Source, type Step, type Target, type UpgradeRun } from "./run.js";

export interface Prepared extends Target {
  /** The releases to pass through when the target is more than one hop away. */
  chain?: string[];
}

export function* prepareNewValues(run: UpgradeRun, source: Source): Flow<Step<Prepared>> {
  run.record.startStage("prepare-values");
  const prepared = yield* call(
    run.activities.prepareValues,
    {
      cluster: run.cluster,
      revision: source.revision,
      valuesFingerprint: source.fingerprint,
      targetRelease: run.input.targetRelease,
      extraValues: run.input.extraValues,
    },
    transientRetry,
  );
  if (prepared.plan) run.record.plan(prepared.plan);
  if (!prepared.ok) {
    const reasons = prepared.blockers.map((b) => b.message).join("; ");
    run.record.endStage("prepare-values", "failed", reasons);
    return end("failed", `values preparation blocked: ${reasons}`);
  }
  const plan = prepared.plan;
  const hops = plan.hops.map((hop) => hop.release);
  if (hops.length > 1) {
    const path = [plan.fromRelease, ...hops].join(" -> ");
    if (!run.input.allowChain) {
      run.record.endStage("prepare-values", "failed", `needs intermediate releases: ${path}`);
      return end(
        "failed",
        `${run.input.targetRelease} cannot be reached directly: take ${path} (or start with allowChain)`,
      );
    }
    run.record.endStage("prepare-values", "succeeded", `chain of ${hops.length} hops: ${hops.join(", ")}`);
    return go({ source, plan, chain: hops });
  }
  for (const warning of plan.warnings) run.record.event(`warning: ${warning.message}`);
  run.record.endStage(
    "prepare-values",
    "succeeded",
    `${plan.valuesFile}: ${plan.changes.length} changes, ${plan.warnings.length} warnings, ${plan.mode}`,
  );
  if (run.cancelRequested) return end("cancelled", `cancelled by ${run.cancelledBy()} before any change`);
  return go({ source, plan });
}
