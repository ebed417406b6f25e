/**
 * Collects what upgrade-guide/050-resolve-common-upgrade-issues.md tells operators to look at when pods are
 * unhealthy: the previous container's log of a crash-looping pod (`kubectl logs -p`), OOMKilled last states,
 * `Readiness probe failed` events, init containers not finished and their logs (`-c <init>`). Every log line and
 * event message is redacted by the release's own values before it leaves (logs can echo secrets); the diagnosis is
 * lib/workflow/diagnosis.ts's.
 */
import { logToRead, podEvidenceOf } from "../lib/clients/pods.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import type { DiagnosePodsResult } from "../lib/workflow/contracts.js";
import { diagnose, DIAGNOSIS_LIMITS, type PodEvidence } from "../lib/workflow/diagnosis.js";
import { releaseTextRedactor, type Redact } from "./releaseRedaction.js";

/** The guide's errors "often appear near the last few lines of the output". */
const TAIL_LINES = 20;

type Kube = Awaited<ReturnType<ReturnType<WorkflowDeps["cluster"]>["kube"]>>;

async function withSymptoms(kube: Kube, evidence: PodEvidence, redact: Redact): Promise<PodEvidence> {
  const events = await kube.podWarnings(evidence.pod).catch(() => []);
  const containers = await Promise.all(
    evidence.containers.map(async (container) => {
      const which = logToRead(container);
      if (!which) return container;
      const text = await kube
        .podLogTail(evidence.pod, { container: container.name, previous: which.previous, tailLines: TAIL_LINES })
        .catch(() => undefined);
      if (text === undefined) return container;
      return { ...container, log: { previous: which.previous, lines: text.split(/\r?\n/).map(redact) } };
    }),
  );
  return {
    ...evidence,
    containers,
    events: events.map((e) => ({ ...e, message: redact(e.message) })),
  };
}

export const makeDiagnosePods =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.diagnosePods> =>
  async ({ cluster }): Promise<DiagnosePodsResult> => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    const unhealthy = await kube.unhealthyPods();
    const redact = await releaseTextRedactor(clients);
    const collected = await Promise.all(
      unhealthy.slice(0, DIAGNOSIS_LIMITS.pods).map((pod) => withSymptoms(kube, podEvidenceOf(pod), redact)),
    );
    const { pods, lines } = diagnose(collected);
    const more = unhealthy.length - collected.length;
    return { pods, lines: more > 0 ? [...lines, `… and ${more} more unhealthy pod(s)`] : lines };
  };
