/**
 * Starting a run under its cluster's lock (orchestrators/clusterLock.ts), for every route that starts one: who holds
 * the lock now, the start itself read back from the lock, and a run that the lock started but that does not exist
 * yet (`pending`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DurableClient } from "durable-functions";
import { ConflictError } from "../lib/errors.js";
import type { UpgradeInput } from "../lib/workflow/contracts.js";
import type { InputOf } from "../lib/workflow/definition.js";
import { ORCHESTRATIONS } from "../lib/workflow/orchestrations.js";
import { parseRunId } from "../lib/workflow/runId.js";
import type { UpgradeResource } from "../lib/workflow/status.js";
import { lockInstanceId } from "../orchestrators/clusterLock.js";
import { findStatus, isActive } from "./durable.js";

/** The run holding the cluster's lock, if one does ("unknown" while its input cannot be read). */
export async function lockedBy(client: DurableClient, cluster: string): Promise<string | undefined> {
  const lock = await findStatus(client, lockInstanceId(cluster), { showInput: true });
  if (!isActive(lock)) return undefined;
  const input = lock?.input as Partial<UpgradeInput> | undefined;
  return input?.runId ?? "unknown";
}

/** The run the cluster's lock was started for, once it can be read (a fresh start may take a moment to show). */
async function lockHolder(client: DurableClient, cluster: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const lock = await findStatus(client, lockInstanceId(cluster), { showInput: true });
    const runId = (lock?.input as Partial<UpgradeInput> | undefined)?.runId;
    if (runId && isActive(lock)) return runId;
    await sleep(100);
  }
  return undefined;
}

/** 409 `upgrade-running`, naming the run that holds the cluster (an upgrade or a restore). */
export const lockConflict = (cluster: string, runningId: string): ConflictError =>
  new ConflictError(`an upgrade of ${cluster} is already running: ${runningId}`, {
    code: "upgrade-running",
    details: { runningId },
  });

/**
 * Starts the lock of `input.cluster` for `input.runId`. The host does not answer a second start of the lock with
 * 409: one already running is refused with HTTP 500, and two racing starts can both get 202 while one of them is
 * silently dropped (local/runtime/runtime.ts createInstance cites the host's code). So the answer is read back from
 * the lock: whichever run it holds won, and a loser gets `lockConflict`.
 */
export async function startUnderLock(
  client: DurableClient,
  input: InputOf<typeof ORCHESTRATIONS.clusterLock>,
): Promise<void> {
  let refused: unknown;
  try {
    await client.startNew(ORCHESTRATIONS.clusterLock.name, { instanceId: lockInstanceId(input.cluster), input });
  } catch (error) {
    refused = error;
  }
  const holder = await lockHolder(client, input.cluster);
  if (holder !== undefined && holder !== input.runId) throw lockConflict(input.cluster, holder);
  if (holder === undefined)
    throw refused instanceof Error ? refused : new Error(`the lock of ${input.cluster} shows no run after its start`);
}

/** Run `id` as `pending` while the cluster's lock holds it and its own orchestration is not created yet. */
export async function pendingUnderLock(client: DurableClient, id: string): Promise<UpgradeResource | undefined> {
  const cluster = parseRunId(id)?.cluster;
  if (!cluster) return undefined;
  const lock = await findStatus(client, lockInstanceId(cluster), { showInput: true });
  const input = lock?.input as UpgradeInput | undefined;
  if (!lock || !isActive(lock) || input?.runId !== id) return undefined;
  return {
    id,
    cluster: input.cluster,
    targetRelease: input.targetRelease,
    status: "pending",
    finished: false,
    stages: [],
    approvals: { decisions: [] },
    events: [],
  };
}
