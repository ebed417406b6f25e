/**
 * Users hear once per threshold when the downtime overruns what they were told (upgrade-guide/010-plan-the-upgrade.md,
 * "Inform the stakeholders": updates if the upgrade takes longer than anticipated). The watch rides on the upgrade
 * stage's own rhythm: it looks at the durable clock each time the stage resumes, and races the stage's long waits
 * (its monitors, run as sub-orchestrations: `isChildWait`) with one timer for the next threshold. No timer per poll; a timer is
 * only ever yielded in the one Task.any it was created for, and a task already raced is then awaited alone (a
 * scheduled task yielded again inside a new Task.any would be scheduled twice).
 */
import type { Task } from "durable-functions";
import { overrunNotice } from "../../lib/notifications/wording.js";
import { dueOverrun, nextOverrun } from "../../lib/workflow/overrun.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { isChildWait, type Flow } from "../calls.js";
import { downtimeFacts } from "./approval.js";
import { notify } from "./finish.js";
import type { Target, UpgradeRun } from "./run.js";

type Resumption = { value: unknown } | { error: unknown };

/** Runs `stage` (the Helm upgrade and verification), telling users when its downtime overruns. */
export function* watchOverrun<T>(run: UpgradeRun, target: Target, stage: Flow<T>): Flow<T> {
  if (!startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.scheduledStart)) return yield* stage;
  const startedAt = run.now.getTime();
  const expected = target.plan.expectedDowntimeMinutes;
  const announced: number[] = [];

  function* announceIfDue(): Flow<void> {
    const factor = dueOverrun(startedAt, expected, announced, run.now.getTime());
    if (factor === undefined) return;
    announced.push(factor);
    const stageName = run.record.current.stage ?? "the upgrade";
    const elapsed = Math.round((run.now.getTime() - startedAt) / 60_000);
    run.record.overrun({ factor, at: run.now.toISOString(), stage: stageName });
    yield* notify(
      run,
      "downtime-overrun",
      run.policy.notifyUsers,
      overrunNotice(downtimeFacts(run, target), elapsed, stageName),
    );
  }

  function* await_(task: Task): Flow<unknown> {
    yield* announceIfDue();
    const next = nextOverrun(startedAt, expected, announced);
    if (!next || !isChildWait(task)) return yield task;
    const timer = run.context.df.createTimer(new Date(next.at));
    if ((yield run.context.df.Task.any([task, timer])) === timer) {
      yield* announceIfDue();
      return yield task;
    }
    timer.cancel();
    if (task.isFaulted) throw task.result;
    return task.result;
  }

  let step = stage.next();
  while (!step.done) {
    let resumption: Resumption;
    try {
      resumption = { value: yield* await_(step.value) };
    } catch (error) {
      resumption = { error };
    }
    step = "error" in resumption ? stage.throw(resumption.error) : stage.next(resumption.value);
  }
  return step.value;
}
