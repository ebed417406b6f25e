/**
 * The host's replay of the orchestrator's actions on its own: sequence ids, decisions and the non-determinism check,
 * on hand-written histories.
 */
import { describe, expect, it } from "vitest";
import {
  ActionType,
  EventType,
  historyEvent,
  type HistoryEvent,
  type WireAction,
} from "../../../local/runtime/history.js";
import { replayHost } from "../../../local/runtime/host-replay.js";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const DAY = 86_400_000;

const started = (at: number): HistoryEvent => historyEvent(EventType.OrchestratorStarted, at, {});
const completed = (at: number): HistoryEvent => historyEvent(EventType.OrchestratorCompleted, at, {});
const executionStarted = historyEvent(EventType.ExecutionStarted, T0, {
  OrchestrationInstance: { InstanceId: "i", ExecutionId: "e" },
  ParentInstance: null,
  Name: "O",
  Version: "",
  Input: null,
});
const scheduled = (id: number, name: string): HistoryEvent =>
  historyEvent(EventType.TaskScheduled, T0, { Name: name, Version: "", Input: null }, id);
const timerCreated = (id: number, fireAt: number): HistoryEvent =>
  historyEvent(EventType.TimerCreated, T0, { FireAt: new Date(fireAt).toISOString() }, id);
const timerFired = (id: number, at: number): HistoryEvent =>
  historyEvent(EventType.TimerFired, at, { TimerId: id, FireAt: new Date(at).toISOString() });
const activity = (name: string): WireAction => ({ actionType: ActionType.CallActivity, functionName: name });

function replay(history: HistoryEvent[], actions: WireAction[], newEventsFrom = history.length) {
  return replayHost({ history, actions, newEventsFrom, executionId: "e" });
}

describe("replayHost", () => {
  it("plans new actions with the next sequence ids", () => {
    const history = [started(T0), executionStarted, scheduled(0, "A"), completed(T0), started(T0)];
    const result = replay(
      [...history, historyEvent(EventType.TaskCompleted, T0, { TaskScheduledId: 0, Result: "1" })],
      [activity("A"), { actionType: ActionType.WhenAll, compoundActions: [activity("B"), activity("C")] }],
    );
    expect(result.failure).toBeUndefined();
    expect(result.decisions.map((d) => [d.id, d.kind === "timer" ? "" : d.name])).toEqual([
      [1, "B"],
      [2, "C"],
    ]);
    expect(result.open.activities).toEqual([1, 2]);
    expect(result.actionsReplayed).toBe(false);
  });

  it("reports an action of another kind at a recorded sequence id", () => {
    const result = replay([started(T0), executionStarted, timerCreated(0, T0 + 1000), completed(T0)], [activity("A")]);
    expect(result.failure).toContain("history has a timer at sequence ID 0");
    expect(result.failure).toContain("scheduled activity 'A' there");
  });

  it("reports a recorded activity the replay no longer schedules", () => {
    const result = replay([started(T0), executionStarted, scheduled(0, "A"), completed(T0)], []);
    expect(result.failure).toContain("activity 'A' at sequence ID 0");
    expect(result.failure).toContain("has not scheduled it");
  });

  it("diverges, as in Azure, when a long timer is cancelled after a sub-timer fired", () => {
    const fireAt = T0 + 10 * DAY;
    const history = [
      started(T0),
      executionStarted,
      timerCreated(0, T0 + 3 * DAY),
      completed(T0),
      started(T0 + 3 * DAY),
      timerFired(0, T0 + 3 * DAY),
      timerCreated(1, T0 + 6 * DAY),
      completed(T0 + 3 * DAY),
      started(T0 + 4 * DAY),
    ];
    const cancelled: WireAction = {
      actionType: ActionType.CreateTimer,
      fireAt: new Date(fireAt).toISOString(),
      isCanceled: true,
    };
    const result = replay(history, [
      {
        actionType: ActionType.WhenAny,
        compoundActions: [{ actionType: ActionType.WaitForExternalEvent, externalEventName: "E" }, cancelled],
      },
      activity("After"),
    ]);
    // The shim cancels the timer at once, so the sub-timer chain is never rebuilt and id 1 goes to the activity.
    expect(result.failure).toContain("history has a timer at sequence ID 1");
  });
});
