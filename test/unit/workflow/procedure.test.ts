import { describe, expect, it } from "vitest";
import type { ProcedureStep } from "../../../lib/catalog/catalog.js";
import { toShellLine } from "../../../lib/clients/shell.js";
import {
  describeProcedure,
  plannedSteps,
  procedureCommands,
  procedureResults,
  procedureStepArgs,
} from "../../../lib/workflow/procedure.js";

/** 210-upgrade-20241202.md: delete the node exporter DaemonSet and a CRD, then re-apply the CRD server-side. */
const steps: ProcedureStep[] = [
  {
    id: "delete-node-exporter",
    description: "Delete existing node exporter daemonsets",
    argv: ["kubectl", "delete", "daemonsets/cluedin-prometheus-node-exporter", "-n", "cluedin"],
    ignoreNotFound: true,
  },
  {
    id: "delete-crd-probes",
    description: "Delete existing prometheus CRDS",
    argv: ["kubectl", "delete", "crd", "probes.monitoring.coreos.com"],
    ignoreNotFound: true,
  },
  {
    id: "apply-crd-probes",
    description: "Redeploy prometheus CRDS with compatible version for the new helm chart",
    argv: [
      "kubectl",
      "apply",
      "--server-side",
      "-f",
      "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.79.0/example/prometheus-operator-crd/monitoring.coreos.com_probes.yaml",
    ],
    ignoreNotFound: false,
  },
];

const planned = plannedSteps(steps, "cluedin");
const done = (exitCode: number, logs: string) => ({
  state: "done" as const,
  exitCode,
  logs,
  finishedAt: "2026-01-05T10:00:00.000Z",
});
const marker = (id: string) => `>>> cluedin-upgrade step ${id}`;

describe("procedure steps as they run", () => {
  it("runs the page's kubectl verbatim in the profile's namespace, deletes tolerating an absent object", () => {
    expect(procedureStepArgs(steps[0]!, "cluedin-prod")).toEqual([
      "kubectl",
      "delete",
      "daemonsets/cluedin-prometheus-node-exporter",
      "-n",
      "cluedin-prod",
      "--ignore-not-found",
    ]);
    expect(procedureStepArgs(steps[2]!, "cluedin")).toEqual(steps[2]!.argv);
    expect(planned.map((s) => s.command)).toEqual([
      "kubectl delete daemonsets/cluedin-prometheus-node-exporter -n cluedin --ignore-not-found",
      "kubectl delete crd probes.monitoring.coreos.com --ignore-not-found",
      `kubectl apply --server-side -f ${steps[2]!.argv[4]}`,
    ]);
  });

  it("chains the steps behind markers, so the first failure stops the rest", () => {
    expect(toShellLine(procedureCommands(steps.slice(0, 1), "cluedin"))).toBe(
      "echo '>>> cluedin-upgrade step delete-node-exporter' && " +
        "kubectl delete daemonsets/cluedin-prometheus-node-exporter -n cluedin --ignore-not-found",
    );
  });

  it("reads every step as done when the command succeeded", () => {
    const logs = [
      marker("delete-node-exporter"),
      'daemonset.apps "cluedin-prometheus-node-exporter" deleted',
      marker("delete-crd-probes"),
      marker("apply-crd-probes"),
      "customresourcedefinition.apiextensions.k8s.io/probes.monitoring.coreos.com serverside-applied",
    ].join("\n");
    const results = procedureResults(planned, done(0, logs));
    expect(results.map((r) => [r.id, r.outcome, r.exitCode])).toEqual([
      ["delete-node-exporter", "done", 0],
      ["delete-crd-probes", "done", 0],
      ["apply-crd-probes", "done", 0],
    ]);
    expect(results[0]?.output).toBe('daemonset.apps "cluedin-prometheus-node-exporter" deleted');
    expect(results[0]?.endedAt).toBe("2026-01-05T10:00:00.000Z");
    expect(describeProcedure("beforeHelm", results)).toBe("3 step(s) before the Helm upgrade done");
  });

  it("names the failed step, what ran before it, and what never ran", () => {
    const logs = [
      marker("delete-node-exporter"),
      marker("delete-crd-probes"),
      'Error from server (Forbidden): customresourcedefinitions "probes.monitoring.coreos.com" is forbidden',
    ].join("\n");
    const results = procedureResults(planned, done(1, logs));
    expect(results.map((r) => r.outcome)).toEqual(["done", "failed", "not-run"]);
    expect(results[1]?.exitCode).toBe(1);
    expect(results[2]).not.toHaveProperty("exitCode");
    expect(describeProcedure("beforeHelm", results)).toMatch(
      /^step delete-crd-probes before the Helm upgrade failed \(exit code 1: Error from server \(Forbidden\).*\); steps that ran: delete-node-exporter$/,
    );
  });

  it("counts the steps before a marker that survived a cut log as done", () => {
    const results = procedureResults(planned, done(1, `${marker("apply-crd-probes")}\nerror: no objects passed`));
    expect(results.map((r) => r.outcome)).toEqual(["done", "done", "failed"]);
    expect(results[0]?.output).toBe("(output not kept)");
  });

  it("blames the first step when the command failed before any marker", () => {
    const results = procedureResults(planned, done(127, "sh: kubectl: not found"));
    expect(results.map((r) => r.outcome)).toEqual(["failed", "not-run", "not-run"]);
    expect(results[0]?.output).toBe("sh: kubectl: not found");
    expect(describeProcedure("afterHelm", results)).toMatch(/no step had run before it$/);
  });
});
