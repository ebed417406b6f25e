import { describe, expect, it } from "vitest";
import type { LogScan, PodsSummary } from "../../../lib/clients/types.js";
import {
  evaluateChartCheck,
  evaluateCommand,
  evaluateDataUpgrade,
  evaluatePods,
  evaluatePreChecks,
  evaluateQueues,
  evaluateVerify,
} from "../../../lib/workflow/checks.js";

const healthyPods: PodsSummary = {
  total: 3,
  ready: 3,
  completed: 1,
  healthy: true,
  problems: [],
  jobs: [{ name: "init-cluedin-job", complete: true, failed: false }],
  images: {},
};
const crashing: PodsSummary = {
  ...healthyPods,
  ready: 2,
  healthy: false,
  problems: [{ pod: "cluedin-server-1", reason: "CrashLoopBackOff", detail: "" }],
};
const quietLogs: LogScan = { windowSeconds: 300, errorLines: [], applicationStarted: true };
const uiUp = { ok: true, status: 200, elapsedMs: 40 };

describe("evaluatePreChecks", () => {
  const queues = (messages: number) => ({
    ok: true as const,
    depths: [
      { name: "ingestion-data-set", messages, consumers: 1 },
      { name: "DeadLetterCommands", messages: 4, consumers: 0 },
    ],
  });

  it.each([
    ["all clear", { ui: uiUp, pods: healthyPods, logs: quietLogs, queues: queues(0) }, [], false],
    [
      "UI down blocks",
      { ui: { ok: false, elapsedMs: 5000, error: "timeout" }, pods: healthyPods, logs: quietLogs, queues: queues(0) },
      ["ui-down"],
      false,
    ],
    [
      "crash-looping pods block",
      { ui: uiUp, pods: crashing, logs: quietLogs, queues: queues(0) },
      ["pods-unhealthy"],
      false,
    ],
    ["busy queues wait", { ui: uiUp, pods: healthyPods, logs: quietLogs, queues: queues(5000) }, [], true],
    [
      "busy queues do not wait when something else blocks",
      { ui: uiUp, pods: crashing, logs: quietLogs, queues: queues(5000) },
      ["pods-unhealthy"],
      false,
    ],
  ])("%s", (_name, obs, blockers, wait) => {
    const verdict = evaluatePreChecks(obs, { queueDepthMax: 100 });
    expect(verdict.blockers.map((b) => b.code)).toEqual(blockers);
    expect(verdict.waitForQueues).toBe(wait);
    expect(verdict.warnings.map((w) => w.code)).toContain("dead-letters");
  });

  it("warns about server log errors without blocking", () => {
    const verdict = evaluatePreChecks(
      {
        ui: uiUp,
        pods: healthyPods,
        logs: { ...quietLogs, errorLines: ["[#1 01:00:00 ERR][X] boom"] },
        queues: queues(0),
      },
      { queueDepthMax: 100 },
    );
    expect(verdict.blockers).toEqual([]);
    expect(verdict.warnings.map((w) => w.code)).toContain("server-log-errors");
  });
});

describe("monitor verdicts", () => {
  it("queues: dead-letter queues are never waited for", () => {
    expect(
      evaluateQueues([{ name: "CluedIn_DeadLetterMessages_x", messages: 900, consumers: 0 }], { queueDepthMax: 10 }),
    ).toMatchObject({ done: true, ok: true });
    expect(evaluateQueues([{ name: "commit-data-set", messages: 900, consumers: 1 }], { queueDepthMax: 10 }).done).toBe(
      false,
    );
  });

  it("pods: waits for ready pods and complete jobs, fails on a failed job", () => {
    expect(evaluatePods(healthyPods)).toMatchObject({ done: true, ok: true });
    expect(evaluatePods(crashing).done).toBe(false);
    expect(
      evaluatePods({ ...healthyPods, jobs: [{ name: "init-sqlserver-job", complete: false, failed: false }] }).done,
    ).toBe(false);
    expect(
      evaluatePods({ ...healthyPods, jobs: [{ name: "init-sqlserver-job", complete: false, failed: true }] }),
    ).toMatchObject({ done: true, ok: false });
  });

  it("command: running, then the exit code decides", () => {
    expect(evaluateCommand({ state: "running" }).done).toBe(false);
    expect(evaluateCommand({ state: "done", exitCode: 0, logs: "", finishedAt: "" })).toMatchObject({
      done: true,
      ok: true,
    });
    expect(evaluateCommand({ state: "done", exitCode: 1, logs: "", finishedAt: "" })).toMatchObject({
      done: true,
      ok: false,
    });
  });

  const resource = (phase: string) => ({ name: "data-upgrade-450", toVersion: "Version450", phase, created: false });
  it.each([
    ["nothing yet", undefined, undefined, false, undefined],
    ["200 in the log", { toVersion: "Version450", status: 200, line: "" }, undefined, true, true],
    ["500 in the log, no resource", { toVersion: "Version450", status: 500, line: "" }, undefined, true, false],
    [
      "500 in the log from an earlier attempt, resource still running",
      { toVersion: "Version450", status: 500, line: "" },
      resource("Running"),
      false,
      undefined,
    ],
    [
      "500 in the log, resource failed",
      { toVersion: "Version450", status: 500, line: "" },
      resource("Failed"),
      true,
      false,
    ],
    ["another version's 200", { toVersion: "Version440", status: 200, line: "" }, undefined, false, undefined],
    ["resource failed", undefined, resource("Failed"), true, false],
    ["resource succeeded", undefined, resource("Succeeded"), true, true],
  ])("data upgrade: %s", (_name, response, resource, done, ok) => {
    const verdict = evaluateDataUpgrade(
      {
        logs: { ...quietLogs, ...(response ? { dataUpgradeResponse: response } : {}) },
        ...(resource ? { resource } : {}),
      },
      "Version450",
    );
    expect(verdict.done).toBe(done);
    if (verdict.done) expect(verdict.ok).toBe(ok);
  });

  it("verify: every condition must hold", () => {
    const release = {
      revision: 5,
      status: "deployed" as const,
      chartVersion: "2.5.0",
      appVersion: "2025.05.00",
      description: "",
      updatedAt: "",
    };
    const good = { release, pods: healthyPods, logs: quietLogs, ui: uiUp };
    expect(evaluateVerify(good, { chartVersion: "2.5.0" })).toMatchObject({ done: true, ok: true });
    expect(
      evaluateVerify({ ...good, release: { ...release, chartVersion: "2.4.2" } }, { chartVersion: "2.5.0" }).done,
    ).toBe(false);
    expect(
      evaluateVerify({ ...good, logs: { ...quietLogs, applicationStarted: false } }, { chartVersion: "2.5.0" }).done,
    ).toBe(false);
    expect(evaluateVerify({ ...good, ui: { ok: false, elapsedMs: 5000 } }, { chartVersion: "2.5.0" }).done).toBe(false);
  });

  it("verify: a revision a Helm timeout marked failed counts as up only when it is the one whose pods came up", () => {
    const timedOut = {
      revision: 6,
      status: "failed" as const,
      chartVersion: "2.5.0",
      appVersion: "2025.05.00",
      description: 'Upgrade "cluedin-platform" failed: context deadline exceeded',
      updatedAt: "",
    };
    const seen = { release: timedOut, pods: healthyPods, logs: quietLogs, ui: uiUp };
    expect(evaluateVerify(seen, { chartVersion: "2.5.0" }).done).toBe(false);
    expect(evaluateVerify(seen, { chartVersion: "2.5.0", timedOutRevision: 6 })).toMatchObject({ ok: true });
    expect(evaluateVerify(seen, { chartVersion: "2.5.0", timedOutRevision: 5 }).done).toBe(false);
  });
});

describe("the chart resolves pre-check", () => {
  const command = "helm show chart cluedin-platform --repo https://cluedin-io.github.io/Charts/ --version 2.4.2";
  const answered = (exitCode: number, logs: string) => ({
    ok: exitCode === 0,
    timedOut: false,
    summary: `exit code ${exitCode}`,
    observation: { state: "done" as const, exitCode, logs, finishedAt: "" },
  });

  it("passes when helm printed the chart", () => {
    expect(
      evaluateChartCheck(answered(0, "apiVersion: v2\nname: cluedin-platform\nversion: 2.4.2\n"), command),
    ).toEqual({ ok: true, summary: `the chart resolves: ${command}` });
  });

  it.each([
    [
      'Error: chart "cluedin-platform" version "9.9.9" not found in https://cluedin-io.github.io/Charts/ repository',
      "chart-not-found",
    ],
    [
      'Error: looks like "https://charts.example/" is not a valid chart repository or cannot be reached: no such host',
      "chart-source-unreachable",
    ],
  ])("blocks with helm's own words: %s", (logs, code) => {
    const verdict = evaluateChartCheck(answered(1, logs), command);
    expect(verdict).toMatchObject({ ok: false, finding: { code } });
    expect(!verdict.ok && verdict.finding.message).toContain(logs);
    expect(!verdict.ok && verdict.finding.message).toContain(command);
  });

  it("blocks as unreachable when no answer came in time", () => {
    const verdict = evaluateChartCheck({ ok: false, timedOut: true, summary: "running" }, command);
    expect(verdict).toMatchObject({ ok: false, finding: { code: "chart-source-unreachable" } });
  });
});
