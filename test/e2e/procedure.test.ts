/**
 * A release page's own steps (catalog `procedure`), end to end: shown verbatim to the approver, run through Run
 * Command after the downtime notice and before the first Helm change, each recorded with how it ended; a failed
 * step stops the run before Helm and says which steps had run.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { approve, editRelease, ON_2024_12_01, startDemo, type Demo } from "./harness.js";

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

describe("release page steps", () => {
  it("a failed step before the Helm upgrade ends the run failed, Helm untouched, naming the steps that ran", async () => {
    demo = await startDemo(ON_2024_12_01);
    await editRelease(demo, "2024.12.02", (release, catalog) =>
      release.set(
        "procedure",
        catalog.createNode({
          beforeHelm: [
            {
              id: "delete-stale-data-upgrade",
              description: "Delete a resource that is already gone: counts as done",
              argv: ["kubectl", "delete", "dataupgrades/data-upgrade-999", "-n", "cluedin"],
              ignoreNotFound: true,
            },
            {
              id: "apply-crd-probes",
              description: "Redeploy a CRD from a release of prometheus-operator that does not exist",
              argv: [
                "kubectl",
                "apply",
                "--server-side",
                "-f",
                "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.0.1/example/prometheus-operator-crd/monitoring.coreos.com_probes.yaml",
              ],
            },
            {
              id: "list-crds",
              description: "Never reached",
              argv: ["kubectl", "get", "crd"],
            },
          ],
        }),
      ),
    );
    const id = await demo.start("2024.12.02");
    await demo.until(id, (r) => r.status === "awaiting-approval");
    const mail = (await demo.mails()).find((m) => m.subject.includes("Approval needed"))!;
    expect(mail.text).toContain(
      "Before the Helm upgrade, delete-stale-data-upgrade: kubectl delete dataupgrades/data-upgrade-999 -n cluedin --ignore-not-found",
    );
    expect(mail.text).toContain(
      "Before the Helm upgrade, apply-crd-probes: kubectl apply --server-side -f https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.0.1/",
    );
    await approve(demo, id);
    const run = await demo.finished(id);

    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(
      /^step apply-crd-probes before the Helm upgrade failed \(exit code 1: error: unable to read URL .*404 Not Found.*\); steps that ran: delete-stale-data-upgrade; the Helm upgrade was not started$/,
    );
    expect(run.stages.map((s) => s.name)).toEqual([
      "read-values",
      "prepare-values",
      "pre-checks",
      "approval",
      // Orchestration 2.3: the target's images pulled onto the nodes before the downtime (profile default best-effort).
      "pre-pull",
      "downtime-notice",
      "before-helm",
      "notify",
    ]);
    expect(demo.app.sim.state().helmOperations.filter((op) => op.kind === "upgrade")).toEqual([]);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.procedure?.map((s) => [s.phase, s.id, s.outcome, s.exitCode])).toEqual([
      ["beforeHelm", "delete-stale-data-upgrade", "done", 0],
      ["beforeHelm", "apply-crd-probes", "failed", 1],
      ["beforeHelm", "list-crds", "not-run", undefined],
    ]);
    expect(audit.procedure?.[1]?.output).toMatch(/server reported 404 Not Found/);
  });
});
