import { describe, expect, it } from "vitest";
import { jobState, podVerdict, summarizePods, workloadOf, type PodLike } from "../../../lib/clients/pods.js";

const now = Date.UTC(2026, 0, 5, 9, 0, 0);
const minutesAgo = (m: number): Date => new Date(now - m * 60_000);

function pod(name: string, status: PodLike["status"], extra: Partial<NonNullable<PodLike["metadata"]>> = {}): PodLike {
  return {
    metadata: { name, creationTimestamp: minutesAgo(60), ...extra },
    spec: { containers: [{ name: "main", image: `registry/${name}:1` }] },
    ...(status !== undefined ? { status } : {}),
  };
}

const ready = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
const notReady = { phase: "Running", conditions: [{ type: "Ready", status: "False" }] };
const waiting = (reason: string, restarts = 0): PodLike["status"] => ({
  phase: "Running",
  conditions: [{ type: "Ready", status: "False" }],
  containerStatuses: [
    { name: "main", ready: false, restartCount: restarts, state: { waiting: { reason, message: "back-off" } } },
  ],
});

describe("podVerdict", () => {
  it.each<[string, PodLike, string, string?]>([
    ["Running and Ready", pod("a", ready), "ready"],
    ["Succeeded (a finished job)", pod("a", { phase: "Succeeded" }), "completed"],
    ["Running but not Ready", pod("a", notReady), "starting"],
    ["terminating", pod("a", ready, { deletionTimestamp: minutesAgo(0) }), "starting"],
    ["Pending for a minute", pod("a", { phase: "Pending" }, { creationTimestamp: minutesAgo(1) }), "starting"],
    [
      "Pending for six minutes",
      pod("a", { phase: "Pending" }, { creationTimestamp: minutesAgo(6) }),
      "problem",
      "Pending",
    ],
    ["in CrashLoopBackOff", pod("a", waiting("CrashLoopBackOff", 4)), "problem", "CrashLoopBackOff"],
    [
      "in ImagePullBackOff while Pending",
      pod("a", { ...waiting("ImagePullBackOff"), phase: "Pending" }),
      "problem",
      "ImagePullBackOff",
    ],
    [
      "with a failing init container",
      pod(
        "a",
        {
          phase: "Pending",
          initContainerStatuses: [{ name: "wait-sql", state: { waiting: { reason: "CrashLoopBackOff" } } }],
        },
        { creationTimestamp: minutesAgo(1) },
      ),
      "problem",
      "CrashLoopBackOff",
    ],
    [
      "with a container that exited in error",
      pod("a", {
        phase: "Running",
        containerStatuses: [{ name: "main", ready: false, state: { terminated: { reason: "Error", exitCode: 1 } } }],
      }),
      "problem",
      "Error",
    ],
    ["Failed", pod("a", { phase: "Failed", reason: "Evicted", message: "low on memory" }), "problem", "Evicted"],
    ["Unknown", pod("a", { phase: "Unknown" }), "problem", "Unknown"],
  ])("a pod %s is %s", (_name, subject, kind, reason) => {
    const verdict = podVerdict(subject, now);
    expect(verdict.kind).toBe(kind);
    if (reason) expect(verdict.kind === "problem" && verdict.problem.reason).toBe(reason);
  });

  it("explains a pending pod the scheduler cannot place", () => {
    const unschedulable = pod(
      "a",
      { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", message: "0/3 nodes are available" }] },
      { creationTimestamp: minutesAgo(12) },
    );
    const verdict = podVerdict(unschedulable, now);
    expect(verdict.kind === "problem" && verdict.problem.detail).toBe("pending for 12 min: 0/3 nodes are available");
  });
});

describe("workloadOf", () => {
  it.each<[string, PodLike, string]>([
    [
      "a deployment's pod",
      {
        metadata: {
          name: "cluedin-server-7d9c8b6f5-abcde",
          labels: { "pod-template-hash": "7d9c8b6f5" },
          ownerReferences: [{ kind: "ReplicaSet", name: "cluedin-server-7d9c8b6f5" }],
        },
      },
      "cluedin-server",
    ],
    [
      "a statefulset's pod",
      {
        metadata: { name: "cluedin-rabbitmq-0", ownerReferences: [{ kind: "StatefulSet", name: "cluedin-rabbitmq" }] },
      },
      "cluedin-rabbitmq",
    ],
    [
      "a job's pod",
      { metadata: { name: "init-sqlserver-job-x2", ownerReferences: [{ kind: "Job", name: "init-sqlserver-job" }] } },
      "init-sqlserver-job",
    ],
    ["a bare pod", { metadata: { name: "debug" } }, "debug"],
  ])("names the workload of %s", (_name, subject, workload) => {
    expect(workloadOf(subject)).toBe(workload);
  });
});

describe("jobState", () => {
  it.each([
    [{ metadata: { name: "j" }, status: { succeeded: 1 } }, true, false],
    [{ metadata: { name: "j" }, spec: { completions: 2 }, status: { succeeded: 1 } }, false, false],
    [{ metadata: { name: "j" }, status: { conditions: [{ type: "Complete", status: "True" }] } }, true, false],
    [{ metadata: { name: "j" }, status: { failed: 6, conditions: [{ type: "Failed", status: "True" }] } }, false, true],
    [{ metadata: { name: "j" }, status: {} }, false, false],
  ])("reads %j", (job, complete, failed) => {
    expect(jobState(job)).toEqual({ name: "j", complete, failed });
  });
});

describe("summarizePods", () => {
  it("is healthy when every pod is ready or completed", () => {
    const summary = summarizePods([pod("a", ready), pod("b", { phase: "Succeeded" })], [], now);
    expect(summary).toMatchObject({ total: 2, ready: 1, completed: 1, healthy: true, problems: [] });
  });

  it("is not healthy while a pod is still starting, though nothing is a problem yet", () => {
    const summary = summarizePods([pod("a", ready), pod("b", notReady)], [], now);
    expect(summary).toMatchObject({ total: 2, ready: 1, healthy: false, problems: [] });
  });

  it("lists problems with reasons", () => {
    const summary = summarizePods([pod("a", ready), pod("cluedin-gql-1", waiting("CrashLoopBackOff", 4))], [], now);
    expect(summary.healthy).toBe(false);
    expect(summary.problems).toEqual([
      { pod: "cluedin-gql-1", reason: "CrashLoopBackOff", detail: "main: back-off (restarts: 4)" },
    ]);
  });

  it("ignores failed attempts of a job that later completed, but not of one that failed", () => {
    const attempt = (job: string): PodLike =>
      pod(`${job}-x`, { phase: "Failed" }, { ownerReferences: [{ kind: "Job", name: job }] });
    const jobs = [
      { metadata: { name: "init-cluedin-job" }, status: { succeeded: 1, failed: 1 } },
      { metadata: { name: "init-neo4j-job" }, status: { failed: 6, conditions: [{ type: "Failed", status: "True" }] } },
    ];
    const summary = summarizePods([attempt("init-cluedin-job"), attempt("init-neo4j-job")], jobs, now);
    expect(summary.problems.map((p) => p.pod)).toEqual(["init-neo4j-job-x"]);
    expect(summary.total).toBe(1);
    expect(summary.jobs).toEqual([
      { name: "init-cluedin-job", complete: true, failed: false },
      { name: "init-neo4j-job", complete: false, failed: true },
    ]);
  });

  it("is not healthy when a job failed", () => {
    const jobs = [{ metadata: { name: "j" }, status: { conditions: [{ type: "Failed", status: "True" }] } }];
    expect(summarizePods([pod("a", ready)], jobs, now).healthy).toBe(false);
  });

  it("reports the newest pod's image for each workload", () => {
    const owned = (name: string, created: number, image: string): PodLike => ({
      metadata: {
        name,
        creationTimestamp: minutesAgo(created),
        labels: { "pod-template-hash": name.split("-")[2] ?? "" },
        ownerReferences: [{ kind: "ReplicaSet", name: name.split("-").slice(0, 3).join("-") }],
      },
      spec: { containers: [{ name: "server", image }] },
      status: ready,
    });
    const summary = summarizePods(
      [owned("cluedin-server-new-1", 1, "server:2025.05.00"), owned("cluedin-server-old-2", 30, "server:2024.12.02")],
      [],
      now,
    );
    expect(summary.images).toEqual({ "cluedin-server": "server:2025.05.00" });
  });

  it("keys extra containers by workload and container name", () => {
    const twoContainers: PodLike = {
      metadata: { name: "cluedin-rabbitmq-0", ownerReferences: [{ kind: "StatefulSet", name: "cluedin-rabbitmq" }] },
      spec: {
        containers: [
          { name: "rabbitmq", image: "rabbitmq:3.13" },
          { name: "metrics", image: "exporter:1" },
        ],
      },
      status: ready,
    };
    expect(summarizePods([twoContainers], [], now).images).toEqual({
      "cluedin-rabbitmq/rabbitmq": "rabbitmq:3.13",
      "cluedin-rabbitmq/metrics": "exporter:1",
    });
  });
});
