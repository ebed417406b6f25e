import { describe, expect, it } from "vitest";
import { logToRead, podEvidenceOf, type PodLike } from "../../../lib/clients/pods.js";
import {
  diagnose,
  diagnosePod,
  DIAGNOSIS_LIMITS,
  keyLine,
  type ContainerEvidence,
  type PodEvidence,
} from "../../../lib/workflow/diagnosis.js";

// Sample output from CluedIn.Documentation upgrade-guide/050-resolve-common-upgrade-issues.md.
const NEO4J_PREVIOUS_LOG = [
  "2025-09-25 09:35:09.212+0000 INFO  Starting Neo4j.",
  "2025-09-25 09:35:09.522+0000 INFO  Setting max memory usage to 1.5GiB",
  "2025-09-25 09:35:14.785+0000 INFO  Starting Bolt connector on 0.0.0.0:7687",
  "2025-09-25 09:35:15.333+0000 ERROR OutOfMemoryError: Java heap space",
  "2025-09-25 09:35:15.335+0000 INFO  Neo4j shutting down due to fatal error",
];
const NOT_READY_LOG = [
  "2025-09-19T10:25:12Z INFO Starting CluedIn ...",
  "2025-09-19T10:25:15Z WARN Waiting for database connection...",
];

const main = (over: Partial<ContainerEvidence>): ContainerEvidence => ({
  name: "main",
  init: false,
  ready: false,
  restartCount: 0,
  ...over,
});
const pod = (over: Partial<PodEvidence>): PodEvidence => ({
  pod: "p",
  phase: "Running",
  ready: false,
  containers: [],
  events: [],
  ...over,
});

describe("diagnosePod (upgrade-guide/050 scenarios)", () => {
  it.each<[string, PodEvidence, { symptom: RegExp; cause: RegExp; line?: string; source?: string }]>([
    [
      "CrashLoopBackOff: the previous log's error line",
      pod({
        pod: "cluedin-neo4j-0",
        containers: [
          main({
            name: "neo4j",
            restartCount: 9,
            waiting: { reason: "CrashLoopBackOff" },
            lastTerminated: { reason: "Error", exitCode: 1 },
            log: { previous: true, lines: NEO4J_PREVIOUS_LOG },
          }),
        ],
      }),
      {
        symptom: /^CrashLoopBackOff, 9 restarts/,
        cause: /out of memory/,
        line: "2025-09-25 09:35:15.333+0000 ERROR OutOfMemoryError: Java heap space",
        source: "previous log",
      },
    ],
    [
      "OOMKilled last state without a log",
      pod({
        pod: "cluedin-server-1",
        containers: [
          main({ restartCount: 2, waiting: { reason: "CrashLoopBackOff" }, lastTerminated: { reason: "OOMKilled" } }),
        ],
      }),
      { symptom: /last state OOMKilled/, cause: /memory limit/ },
    ],
    [
      "a plain crash: the previous log holds the error",
      pod({
        containers: [
          main({
            restartCount: 3,
            waiting: { reason: "CrashLoopBackOff" },
            lastTerminated: { reason: "Error", exitCode: 139 },
            log: { previous: true, lines: ["INF starting", "FTL Unhandled exception: license expired", ""] },
          }),
        ],
      }),
      { symptom: /CrashLoopBackOff/, cause: /keeps crashing/, line: "FTL Unhandled exception: license expired" },
    ],
    [
      "Running, not Ready: readiness events and the waiting line",
      pod({
        pod: "cluedin-ui-7d9f8d7c9d-abc12",
        containers: [main({ running: true, log: { previous: false, lines: NOT_READY_LOG } })],
        events: [{ type: "Warning", reason: "Unhealthy", message: "Readiness probe failed: HTTP 503", count: 4 }],
      }),
      {
        symptom: /Running, not Ready: Readiness probe failed \(x4\)/,
        cause: /dependency such as its database/,
        line: "2025-09-19T10:25:15Z WARN Waiting for database connection...",
        source: "log",
      },
    ],
    [
      "Running, not Ready without a log: the event says it",
      pod({
        containers: [main({ running: true })],
        events: [{ type: "Warning", reason: "Unhealthy", message: "Readiness probe failed: connection refused" }],
      }),
      {
        symptom: /Readiness probe failed/,
        cause: /not ready/,
        line: "Readiness probe failed: connection refused",
        source: "event",
      },
    ],
    [
      "Pending on an init container: its event",
      pod({
        pod: "cluedin-ui-879c4db6b-8jzks",
        phase: "Pending",
        containers: [
          main({ name: "wait-cluedin-gql", init: true, restartCount: 3, terminated: { reason: "Error", exitCode: 1 } }),
          main({ name: "ui", waiting: { reason: "PodInitializing" } }),
        ],
        events: [{ type: "Warning", reason: "Failed", message: 'Init container "wait-cluedin-gql" failed' }],
      }),
      {
        symptom: /Pending: init container wait-cluedin-gql failed, 3 restarts/,
        cause: /dependency/,
        line: 'Init container "wait-cluedin-gql" failed',
        source: "event",
      },
    ],
    [
      "an init container still waiting: its log",
      pod({
        phase: "Pending",
        containers: [
          main({
            name: "wait-cluedin-gql",
            init: true,
            running: true,
            log: { previous: false, lines: ["Waiting for service cluedin-gql to be ready"] },
          }),
        ],
      }),
      {
        symptom: /not finished/,
        cause: /dependency/,
        line: "Waiting for service cluedin-gql to be ready",
        source: "init container log",
      },
    ],
    [
      "an image that cannot be pulled",
      pod({
        phase: "Pending",
        containers: [
          main({ waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image cluedin/ui:bad" } }),
        ],
      }),
      { symptom: /ImagePullBackOff/, cause: /pull secrets/, line: "Back-off pulling image cluedin/ui:bad" },
    ],
  ])("%s", (_name, evidence, expected) => {
    const d = diagnosePod(evidence);
    expect(d.symptom).toMatch(expected.symptom);
    expect(d.cause).toMatch(expected.cause);
    if (expected.line) expect(d.line).toBe(expected.line);
    if (expected.source) expect(d.source).toBe(expected.source);
  });
});

describe("keyLine", () => {
  it.each<[string[], string | undefined]>([
    [NEO4J_PREVIOUS_LOG, "2025-09-25 09:35:15.333+0000 ERROR OutOfMemoryError: Java heap space"],
    [NOT_READY_LOG, "2025-09-19T10:25:15Z WARN Waiting for database connection..."],
    [["one", "two", ""], "two"],
    [[], undefined],
    [["ERROR " + "x".repeat(500)], `ERROR ${"x".repeat(DIAGNOSIS_LIMITS.line - 7)}…`],
  ])("%j", (lines, expected) => {
    expect(keyLine(lines)).toBe(expected);
  });
});

describe("diagnose", () => {
  it("keeps one bounded line per pod and says how many it left out", () => {
    const many = Array.from({ length: 11 }, (_, i) =>
      pod({ pod: `p${i}`, containers: [main({ waiting: { reason: "CrashLoopBackOff" }, restartCount: 1 })] }),
    );
    const { pods, lines } = diagnose(many);
    expect(pods).toHaveLength(DIAGNOSIS_LIMITS.pods);
    expect(lines.at(-1)).toBe("… and 3 more unhealthy pod(s)");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(DIAGNOSIS_LIMITS.text);
  });

  it("writes the pod, the symptom, the cause and the key line", () => {
    const { lines } = diagnose([
      pod({
        pod: "cluedin-neo4j-0",
        containers: [
          main({
            name: "neo4j",
            restartCount: 9,
            waiting: { reason: "CrashLoopBackOff" },
            lastTerminated: { reason: "Error", exitCode: 1 },
            log: { previous: true, lines: NEO4J_PREVIOUS_LOG },
          }),
        ],
      }),
    ]);
    expect(lines[0]).toContain("cluedin-neo4j-0 (neo4j): CrashLoopBackOff, 9 restarts");
    expect(lines[0]).toContain('previous log: "2025-09-25 09:35:15.333+0000 ERROR OutOfMemoryError: Java heap space"');
  });
});

describe("podEvidenceOf and logToRead", () => {
  const crashLooping: PodLike = {
    metadata: { name: "cluedin-server-abc" },
    spec: { containers: [{ name: "cluedin" }] },
    status: {
      phase: "Running",
      initContainerStatuses: [{ name: "wait-sql", ready: true, state: { terminated: { exitCode: 0 } } }],
      containerStatuses: [
        {
          name: "cluedin",
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
        },
      ],
    },
  };

  it("reads the previous log of a restarting container and no log of a finished init container", () => {
    const evidence = podEvidenceOf(crashLooping);
    expect(evidence.containers.map((c) => [c.name, logToRead(c)])).toEqual([
      ["wait-sql", undefined],
      ["cluedin", { previous: true }],
    ]);
    expect(diagnosePod(evidence).symptom).toContain("OOMKilled");
  });

  it.each<[Partial<ContainerEvidence>, { previous: boolean } | undefined]>([
    [{ init: true, running: true }, { previous: false }],
    [{ running: true }, { previous: false }],
    [{ running: true, ready: true }, undefined],
    [{ restartCount: 1, lastTerminated: { reason: "Error" } }, { previous: true }],
  ])("%j", (over, expected) => {
    expect(logToRead(main(over))).toEqual(expected);
  });
});
