/**
 * A deploy of this version must not break a run in flight that the previous version started: every episode of a
 * run the previous orchestrators recorded (fixtures/previous-version) replays through the current ones with the
 * same decisions, and no non-determinism. The current code keeps the old behaviour for such a run by branching on
 * `context.df.version` (lib/workflow/version.ts BEHAVIOUR_SINCE): the same history marked with this version
 * takes the new path, which the replay then refuses as the host would.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIVITIES } from "../../../lib/workflow/activities.js";
import { BEHAVIOUR_SINCE, ORCHESTRATION_VERSION } from "../../../lib/workflow/version.js";
import { runEpisode, type EpisodeEnvironment } from "../../../local/runtime/episode.js";
import {
  DECISION_EVENT_TYPES,
  EventType,
  historyEvent,
  INBOX_EVENT_TYPES,
  type HistoryEvent,
  type InboxEvent,
} from "../../../local/runtime/history.js";
import { noPendingWork, type InstanceRecord } from "../../../local/runtime/instance.js";
import { durableClientData } from "../../../local/runtime/invoke.js";
import { captureRegistrations, registeredFunctions, TriggerType } from "../../../local/runtime/registry.js";
import { PLANTED_SECRETS } from "../../../local/sim/index.js";

interface Recorded {
  instanceId: string;
  name: string;
  status: string;
  history: HistoryEvent[];
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "previous-version");
const load = (name: string): Recorded => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Recorded;
/** The data upgrade step failed: "finalize anyway" had nothing to clear in either version. */
const answer500 = load("answer-500-finalized-anyway.json");
/** The upgrade-mode Helm step failed: from 2.0 "finalize anyway" first reads the release to clear a pending one. */
const helmTimeout = load("helm-timeout-finalized-anyway.json");
/** Runs version 2.2 (the last one shipped) started and completed: a basic upgrade and a data upgrade. */
const shipped22 = [
  ["a basic upgrade", load("v2.2-basic-completed.json")],
  ["a data upgrade with volume snapshots", load("v2.2-data-upgrade-completed.json")],
] as const;

interface Episode {
  index: number;
  record: InstanceRecord;
  now: number;
  /** What the previous version scheduled in this episode: kind and name, in sequence-id order. */
  scheduled: string[];
}

const describeScheduled = (event: HistoryEvent): string =>
  event.EventType === EventType.TimerCreated
    ? `timer#${event.EventId}`
    : `${event.EventType === EventType.TaskScheduled ? "activity" : "subOrchestration"}:${"Name" in event ? String(event.Name) : ""}#${event.EventId}`;

/** Each episode of a recorded history: the history before it, its inbox, and what it scheduled. */
function episodes(recorded: Recorded, history: readonly HistoryEvent[] = recorded.history): Episode[] {
  const started = history.find((e) => e.EventType === EventType.ExecutionStarted);
  const input = started?.EventType === EventType.ExecutionStarted ? started.Input : null;
  const starts = history.flatMap((e, i) => (e.EventType === EventType.OrchestratorStarted ? [i] : []));
  return starts.map((start, k) => {
    const end = starts[k + 1] ?? history.length;
    const events = history.slice(start, end);
    const now = Date.parse(history[start]!.Timestamp);
    const record: InstanceRecord = {
      instanceId: recorded.instanceId,
      name: recorded.name,
      executionId: "previous-version",
      status: "Running",
      input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      parent: null,
      history: history.slice(0, start),
      inbox: events.filter((e) => INBOX_EVENT_TYPES.includes(e.EventType)) as InboxEvent[],
      pending: noPendingWork(),
    };
    const scheduled = events.filter((e) => DECISION_EVENT_TYPES.includes(e.EventType)).map(describeScheduled);
    return { index: k, record, now, scheduled };
  });
}

/** The same history as if `version` (by default this one) had started the run. */
const asVersion = (history: readonly HistoryEvent[], version = ORCHESTRATION_VERSION): HistoryEvent[] =>
  history.map((e) => (e.EventType === EventType.ExecutionStarted ? { ...e, Version: version } : e));

/** The version that made "finalize anyway" read the release first, before decisions were signed. */
const FINALIZE_READS_FIRST = BEHAVIOUR_SINCE.clearPendingBeforeFinalizeAnyway;

let env: EpisodeEnvironment;

beforeAll(async () => {
  captureRegistrations();
  await import("../../../main.js");
  const named = (type: string) =>
    registeredFunctions()
      .filter((f) => f.triggerType === type)
      .map((f) => f.name);
  env = {
    log: () => {},
    clientData: () => durableClientData("http://127.0.0.1:7071", "PreviousVersionHub", "previous-version-key"),
    codeFor: (name) => name,
    knownFunctions: () => ({
      activities: named(TriggerType.activity),
      orchestrators: named(TriggerType.orchestration),
    }),
  };
});

describe.each([
  ["a data upgrade answered 500, finalized anyway", answer500],
  ["an upgrade-mode helm timed out, finalized anyway", helmTimeout],
] as const)("%s: a run the previous version started, replayed by this one", (_title, recorded) => {
  const all = episodes(recorded);

  it("is a whole run of the previous version: started unversioned, finalized anyway, completed", () => {
    const started = recorded.history.find((e) => e.EventType === EventType.ExecutionStarted);
    expect(started && "Version" in started ? started.Version : undefined).toBe("");
    expect(recorded.status).toBe("completed");
    expect(all.length).toBeGreaterThan(15);
    const raised = recorded.history.filter((e) => e.EventType === EventType.EventRaised);
    expect(raised.map((e) => ("Input" in e ? String(e.Input) : ""))).toContainEqual(
      expect.stringContaining('"choice":"finalize"'),
    );
    const text = JSON.stringify(recorded);
    for (const secret of Object.values(PLANTED_SECRETS)) expect(text).not.toContain(secret);
  });

  it.each(all.map((e) => [e.index, e] as const))(
    "episode %i makes the decisions the previous version made",
    async (_, e) => {
      const result = await runEpisode(e.record, e.now, env);
      expect(result.episode.status === "Failed" ? String(result.episode.output) : "").toBe("");
      expect(result.decisions.map((d) => describeScheduled(decisionEvent(d)))).toEqual(e.scheduled);
    },
  );
});

describe.each(shipped22)("%s started by version 2.2, replayed by this one", (_title, recorded) => {
  const all = episodes(recorded);

  it("is a whole run of 2.2 that completed, with no planted secret in it", () => {
    const started = recorded.history.find((e) => e.EventType === EventType.ExecutionStarted);
    expect(started && "Version" in started ? started.Version : undefined).toBe("2.2");
    expect(recorded.status).toBe("completed");
    expect(all.length).toBeGreaterThan(15);
    const text = JSON.stringify(recorded);
    for (const secret of Object.values(PLANTED_SECRETS)) expect(text).not.toContain(secret);
  });

  it.each(all.map((e) => [e.index, e] as const))("episode %i makes the decisions 2.2 made", async (_, e) => {
    const result = await runEpisode(e.record, e.now, env);
    expect(result.episode.status === "Failed" ? String(result.episode.output) : "").toBe("");
    expect(result.decisions.map((d) => describeScheduled(decisionEvent(d)))).toEqual(e.scheduled);
  });
});

/** Replays every episode; `diverged` is the first whose first decision differs from what the history recorded. */
async function replayAll(mine: Episode[]) {
  const outcomes = await Promise.all(mine.map((e) => runEpisode(e.record, e.now, env)));
  const first = (o: (typeof outcomes)[number]): string | undefined => {
    const d = o.decisions[0];
    return d ? describeScheduled(decisionEvent(d)) : undefined;
  };
  const diverged = outcomes.findIndex((o, i) => first(o) !== undefined && first(o) !== mine[i]!.scheduled[0]);
  return { outcomes, diverged };
}

describe("the version branch", () => {
  it("under 2.0, finalize anyway after a failed Helm step reads the release first: the old history no longer fits", async () => {
    const mine = episodes(helmTimeout, asVersion(helmTimeout.history, FINALIZE_READS_FIRST));
    const { outcomes, diverged } = await replayAll(mine);
    expect(diverged).toBeGreaterThan(0);
    expect(mine[diverged]!.scheduled[0]).toMatch(new RegExp(`^activity:${ACTIVITIES.startHelmUpgrade.name}#`));
    expect(outcomes[diverged]!.decisions[0]).toMatchObject({
      kind: "activity",
      name: ACTIVITIES.readCurrentRelease.name,
    });
    const failed = outcomes.findIndex((o) => o.episode.status === "Failed");
    expect(failed).toBe(diverged + 1);
    expect(String(outcomes[failed]!.episode.output)).toMatch(/Non-Deterministic workflow detected/);
  });

  it("under 2.0, a run whose data upgrade step failed replays as before: nothing to clear", async () => {
    const mine = episodes(answer500, asVersion(answer500.history, FINALIZE_READS_FIRST));
    const outcomes = await Promise.all(mine.map((e) => runEpisode(e.record, e.now, env)));
    expect(outcomes.map((o) => o.episode.status).filter((s) => s === "Failed")).toEqual([]);
  });

  it("under 2.1, a decision event is first checked by verifyDecision: the old history no longer fits", async () => {
    const mine = episodes(answer500, asVersion(answer500.history, BEHAVIOUR_SINCE.signedDecisions));
    const { outcomes, diverged } = await replayAll(mine);
    expect(diverged).toBeGreaterThan(0);
    expect(outcomes[diverged]!.decisions[0]).toMatchObject({ kind: "activity", name: ACTIVITIES.verifyDecision.name });
    expect(mine[diverged]!.record.inbox.some((e) => e.EventType === EventType.EventRaised)).toBe(true);
  });

  it("under this version, the pre-checks prove the target chart resolves before approval: the old history no longer fits", async () => {
    const mine = episodes(answer500, asVersion(answer500.history));
    const { outcomes, diverged } = await replayAll(mine);
    expect(diverged).toBeGreaterThan(0);
    expect(outcomes[diverged]!.decisions[0]).toMatchObject({ kind: "activity", name: ACTIVITIES.startChartCheck.name });
  });
});

function decisionEvent(d: Awaited<ReturnType<typeof runEpisode>>["decisions"][number]): HistoryEvent {
  if (d.kind === "timer") return historyEvent(EventType.TimerCreated, 0, { FireAt: "" }, d.id);
  if (d.kind === "activity")
    return historyEvent(EventType.TaskScheduled, 0, { Name: d.name, Version: "", Input: null }, d.id);
  return historyEvent(
    EventType.SubOrchestrationInstanceCreated,
    0,
    { Name: d.name, Version: "", InstanceId: d.instanceId, Input: null },
    d.id,
  );
}
