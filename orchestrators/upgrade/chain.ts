/**
 * A target more than one hop away, when the requester allowed it: each hop is a whole upgrade of its own (its own
 * approval and checks), run as a sub-orchestration under the id `<run>-hop<N>`; the first hop that does not
 * complete ends the chain.
 */
import type { UpgradeInput } from "../../lib/workflow/contracts.js";
import { hopRunId } from "../../lib/workflow/runId.js";
import { callChild, type Flow } from "../calls.js";
import type { RunEnd, UpgradeRun } from "./run.js";

export function* upgradeThroughChain(run: UpgradeRun, hops: string[]): Flow<RunEnd> {
  for (const [index, hop] of hops.entries()) {
    run.record.event(`hop ${index + 1}/${hops.length}: upgrading to ${hop}`);
    const hopInput: UpgradeInput = {
      ...run.input,
      runId: hopRunId(run.input.runId, index + 1),
      targetRelease: hop,
      allowChain: false,
      hopOf: run.input.runId,
    };
    const outcome = yield* callChild(run.deps.hop(), hopInput, hopInput.runId);
    if (outcome.status !== "completed")
      return { status: outcome.status, reason: `hop ${index + 1} (${hop}) ended ${outcome.status}: ${outcome.reason}` };
  }
  return { status: "completed", reason: `upgraded through ${hops.join(", ")}` };
}
