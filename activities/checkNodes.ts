/**
 * Pre-check: do the nodes have room for the upgrade? Capacity for the CluedIn pods' requests (each node's
 * allocatable less what other pods request there) and disk for the target release's images they do not hold yet
 * (lib/workflow/prepull.ts). Answers the images to pre-pull and a blocker per shortfall, never the raw node lists.
 */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { checkCapacity, checkDisk, targetImages } from "../lib/workflow/prepull.js";

export const makeCheckNodes =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.checkNodes> =>
  async ({ cluster, fromTag, toTag }) => {
    const facts = await (await deps.cluster(cluster).nodes()).facts();
    const images = targetImages(facts.images, fromTag, toTag);
    const onNodes = [...new Set(facts.pods.filter((p) => p.workload !== undefined).map((p) => p.node))].sort();
    const capacity = checkCapacity(facts.nodes, facts.pods, facts.workloads);
    const disk = checkDisk(facts.nodes, facts.pods, images, onNodes);
    return {
      images,
      nodes: disk.needs.map((n) => ({ name: n.node, missing: n.images.length, bytes: n.bytes })),
      findings: [...capacity, ...disk.findings],
    };
  };
