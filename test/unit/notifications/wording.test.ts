import { describe, expect, it } from "vitest";
import {
  commandLines,
  approvalQuestion,
  closingKind,
  closingNotice,
  downtimeNotice,
  haltedNotice,
  haltedQuestion,
  overrunNotice,
  recoverPendingQuestion,
  rollbackQuestion,
  scheduledNotice,
} from "../../../lib/notifications/wording.js";
import { RUN_STATUSES } from "../../../lib/workflow/model.js";

const run = { cluster: "prod-eu", environment: "production" };
const at = new Date("2026-01-05T09:30:00.000Z");

describe("what the e-mails say", () => {
  it("the downtime notice names the releases, the expected downtime and when it starts", () => {
    const notice = downtimeNotice(
      { ...run, fromRelease: "2024.12.02", toRelease: "2025.05.00", expectedDowntimeMinutes: 45 },
      at,
    );
    expect(notice.subjectDetail).toBe("downtime from 2026-01-05T09:30:00.000Z");
    expect(notice.lines).toEqual([
      "CluedIn on prod-eu (production) is being upgraded from 2024.12.02 to 2025.05.00.",
      "Expected downtime: about 45 minutes from 2026-01-05T09:30:00.000Z, until about Mon 2026-01-05 10:15 UTC.",
      "The CluedIn UI will be unavailable until the upgrade completes; data ingestion pauses.",
    ]);
  });

  const downtime = {
    ...run,
    fromRelease: "2024.12.02",
    toRelease: "2025.05.00",
    expectedDowntimeMinutes: 30,
    businessImpact: "Data stewards cannot edit golden records; the nightly export is skipped.",
  };

  it("the scheduled notice gives the window, the expected downtime and the business impact", () => {
    const notice = scheduledNotice(downtime, "from Sat 20:00 UTC to Sun 02:00 UTC", "Sat 20:00 UTC");
    expect(notice.subjectDetail).toBe("scheduled Sat 20:00 UTC");
    expect(notice.lines).toEqual([
      "CluedIn on prod-eu (production) will be upgraded from 2024.12.02 to 2025.05.00.",
      "Maintenance window: from Sat 20:00 UTC to Sun 02:00 UTC.",
      "Expected downtime: about 30 minutes from the start of the upgrade.",
      "Business impact: Data stewards cannot edit golden records; the nightly export is skipped.",
      "You will receive a notice when the downtime starts and when the upgrade is complete.",
    ]);
  });

  it("the overrun update says it takes longer and at which stage", () => {
    const notice = overrunNotice(downtime, 31, "verify");
    expect(notice.lines[0]).toContain("taking longer than the expected 30 minutes: the downtime began 31 minutes ago");
    expect(notice.lines[1]).toBe("It is now at the stage: verify.");
  });

  it("the closing notice says how to report issues, and carries a diagnosis", () => {
    const notice = closingNotice(
      {
        ...run,
        targetRelease: "2025.05.00",
        requestedBy: "ops@contoso.example",
        requestedAt: "2026-01-05T09:00:00.000Z",
        approvers: [],
        reportTo: ["cluedin-ops@contoso.example"],
        diagnosis: ['cluedin-server-1 (cluedin): CrashLoopBackOff. Likely cause: ...; previous log: "FTL boom"'],
      },
      "failed",
      "verification failed",
      at,
    );
    expect(notice.lines).toContain("Diagnosis of the unhealthy pods:");
    expect(notice.lines.some((l) => l.includes('previous log: "FTL boom"'))).toBe(true);
    expect(notice.lines.at(-1)).toBe(
      "If you notice a problem with CluedIn after this upgrade, report it to cluedin-ops@contoso.example, naming this run.",
    );
  });

  it("the halt notice says where it halted, that CluedIn is in upgrade mode, and the three choices", () => {
    const notice = haltedNotice({ ...run, toRelease: "2025.05.00" }, "data-upgrade", "responded 500");
    expect(notice.subjectDetail).toBe("halted at data-upgrade");
    expect(notice.lines[0]).toBe("The upgrade of prod-eu to 2025.05.00 halted at data-upgrade: responded 500.");
    expect(notice.lines.join(" ")).toMatch(/upgrade mode.*no automatic rollback/);
    expect(notice.lines.join(" ")).toMatch(/retry the failed step, finalize anyway .*, or stop/);
  });

  it("every run status has a closing e-mail kind the notify activity accepts", () => {
    expect(RUN_STATUSES.map((s) => [s, closingKind(s)])).toEqual([
      ["pending", "failed"],
      ["running", "failed"],
      ["awaiting-approval", "failed"],
      ["completed", "completed"],
      ["failed", "failed"],
      ["halted", "halted"],
      ["rejected", "rejected"],
      ["cancelled", "failed"],
      ["restored", "restored"],
    ]);
  });

  const facts = {
    ...run,
    targetRelease: "2025.05.00",
    requestedBy: "ops@contoso.example",
    requestedAt: "2026-01-05T08:00:00.000Z",
    approvers: ["alice@contoso.example"],
  };

  it("the closing e-mail says what happened, how long, who approved, the cluster's state and what next", () => {
    const notice = closingNotice(
      {
        ...facts,
        plan: {
          fromRelease: "2024.12.02",
          fromChart: "2.4.2",
          toRelease: "2025.05.00",
          toChart: "2.5.0",
          mode: "data-upgrade",
        },
        release: { revision: 5, status: "deployed", chartVersion: "2.5.0", appVersion: "2025.05" },
      },
      "completed",
      "upgraded to 2025.05.00",
      at,
    );
    expect(notice.subjectDetail).toBe("completed");
    expect(notice.lines).toEqual([
      "The upgrade of prod-eu (production) to 2025.05.00 ended completed: upgraded to 2025.05.00.",
      "From 2024.12.02 (chart 2.4.2) to 2025.05.00 (chart 2.5.0), data-upgrade.",
      "Requested by ops@contoso.example; 90 minute(s) from request to end.",
      "Approved by alice@contoso.example.",
      "Cluster state: Helm revision 5 deployed on chart 2.5.0 (2025.05).",
      "Next: CluedIn is back online: users can work again.",
    ]);
  });

  it("a run that ended before any plan or approval says only what it knows", () => {
    const notice = closingNotice({ ...facts, approvers: [] }, "rejected", "approval rejected", at);
    expect(notice.lines).toEqual([
      "The upgrade of prod-eu (production) to 2025.05.00 ended rejected: approval rejected.",
      "Requested by ops@contoso.example; 90 minute(s) from request to end.",
      "Next: Nothing was changed on the cluster.",
    ]);
  });

  it("a halted run tells operators they must act", () => {
    const notice = closingNotice(facts, "halted", "halted at finalize", at);
    expect(notice.lines.at(-1)).toMatch(/^Next: An operator must act: CluedIn may be in upgrade mode/);
  });
});

describe("the questions put to people", () => {
  it("name the cluster and what is being decided", () => {
    expect(approvalQuestion(run, "2024.12.02", "2025.05.00")).toBe(
      "Approve the upgrade of prod-eu (production) from 2024.12.02 to 2025.05.00?",
    );
    const revision = (n: number, status: string) => ({
      revision: n,
      status,
      chartVersion: "2.4.2",
      appVersion: "2024.12",
    });
    expect(recoverPendingQuestion(run, revision(4, "pending-upgrade"), revision(3, "deployed"))).toBe(
      "Revision 4 of prod-eu is stuck in pending-upgrade. Roll back to revision 3 (2024.12) and continue?",
    );
    expect(rollbackQuestion(run, "helm upgrade failed: timeout", 3)).toBe(
      "helm upgrade failed: timeout. Roll prod-eu back to revision 3, or leave it as it is?",
    );
    expect(haltedQuestion(run, "data-upgrade", "responded 500")).toBe(
      "The data upgrade of prod-eu halted at data-upgrade: responded 500. Retry the step, finalize anyway, or stop?",
    );
  });
});

describe("commandLines", () => {
  it("lists what will run in run order, verbatim", () => {
    expect(
      commandLines({
        chartSource: "chart repository https://cluedin-io.github.io/Charts/",
        beforeHelm: [{ id: "delete-node-exporter", description: "d", command: "kubectl delete ds/x -n cluedin" }],
        helm: [{ phase: "basic", command: "helm upgrade cluedin-platform -n cluedin … --values <values file>" }],
        afterHelm: [],
      }),
    ).toEqual([
      "What will run (the chart comes from the chart repository https://cluedin-io.github.io/Charts/):",
      "Before the Helm upgrade, delete-node-exporter: kubectl delete ds/x -n cluedin",
      "Helm (basic): helm upgrade cluedin-platform -n cluedin … --values <values file>",
    ]);
  });
});
