/**
 * Adaptive polling (version 2.3) end to end: a first run paces its monitors by the runbook's figures, the next run on
 * the same cluster by the first one's audit record; a run started by version 2.2 polls at the fixed interval and
 * reads no previous runs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EventType, type HistoryEvent } from "../../local/runtime/history.js";
import { ORCHESTRATION_VERSION } from "../../lib/workflow/version.js";
import { SLOW_INTERVALS } from "../../lib/workflow/polling.js";
import { approve, ON_2024_12_01, startDemo, type Demo } from "./harness.js";

interface MonitorInput {
  check: { kind: string };
  intervalMs: number;
  pace?: { expectedAt: string; spreadMs?: number; slowMs: number };
}

/** The inputs of the monitors the upgrade orchestration started, in order. */
function monitorInputs(history: HistoryEvent[]): MonitorInput[] {
  return history.flatMap((event) =>
    event.EventType === EventType.SubOrchestrationInstanceCreated && event.Name === "monitor"
      ? [JSON.parse(event.Input ?? "{}") as MonitorInput]
      : [],
  );
}

const activities = (history: HistoryEvent[]): string[] =>
  history.flatMap((event) => (event.EventType === EventType.TaskScheduled ? [event.Name] : []));

describe("adaptive polling", () => {
  let demo: Demo | undefined;
  afterEach(async () => {
    await demo?.close();
    demo = undefined;
  });

  async function upgrade(d: Demo): Promise<{ id: string; history: HistoryEvent[] }> {
    const id = await d.start("2024.12.02");
    await approve(d, id);
    const run = await d.finished(id);
    expect(run.status, run.reason).toBe("completed");
    return { id, history: await d.app.runtime.history(id) };
  }

  it("paces the Helm and verify monitors by the runbook first, then by the cluster's previous run", async () => {
    demo = await startDemo(ON_2024_12_01);
    expect(ORCHESTRATION_VERSION).toBe("2.3");
    const first = await upgrade(demo);
    expect(activities(first.history)).toContain("readPastRuns");
    const [helm, verify] = monitorInputs(first.history)
      .filter((m) => ["command", "verify"].includes(m.check.kind))
      .slice(-2);
    // No previous run: the runbook's figures, never slower than the profile's interval before them.
    expect(helm?.pace).toMatchObject({ slowMs: helm?.intervalMs });
    expect(verify?.pace).toMatchObject({ slowMs: verify?.intervalMs });
    const run = await demo.run(first.id);
    expect(run.events.map((e) => e.message).join("\n")).not.toMatch(/polling paced by/);

    await demo.app.sim.reset(ON_2024_12_01.scenario);
    const second = await upgrade(demo);
    const paced = monitorInputs(second.history).filter((m) => m.check.kind === "verify");
    const pace = paced.at(-1)?.pace;
    expect(pace?.slowMs).toBe(SLOW_INTERVALS * (paced.at(-1)?.intervalMs ?? 0));
    expect(pace?.spreadMs).toBeGreaterThan(0);
    const events = (await demo.run(second.id)).events.map((e) => e.message).join("\n");
    expect(events).toContain("polling paced by 1 previous basic run(s) of this cluster");
    // The expectation is the first run's: Helm start to verified, from this run's Helm start.
    const helmStage = (await demo.run(second.id)).stages.find((s) => s.name === "helm-upgrade");
    const firstRun = await demo.run(first.id);
    const firstDowntime =
      Date.parse(firstRun.stages.find((s) => s.name === "verify")?.endedAt ?? "") -
      Date.parse(firstRun.stages.find((s) => s.name === "helm-upgrade")?.startedAt ?? "");
    expect(Date.parse(pace?.expectedAt ?? "") - Date.parse(helmStage?.startedAt ?? "")).toBe(firstDowntime);
  });

  it("runs started by version 2.2 poll at the fixed interval and read no previous runs", async () => {
    demo = await startDemo({ ...ON_2024_12_01, orchestrationVersion: "2.2" });
    const { history } = await upgrade(demo);
    expect(activities(history)).not.toContain("readPastRuns");
    const monitors = monitorInputs(history);
    expect(monitors.length).toBeGreaterThan(0);
    for (const monitor of monitors) expect(monitor.pace).toBeUndefined();
  });
});
