import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  clusterSummary,
  findClusterProfile,
  formatConfigIssues,
  nextMaintenanceWindow,
  parseClusterProfiles,
  type ClusterProfile,
} from "../../../lib/config/index.js";
import { readRepoFile } from "../support/catalog.js";

function profiles(): ClusterProfile[] {
  const parsed = parseClusterProfiles(readRepoFile("config/clusters.yaml"));
  if (!parsed.ok) throw new Error(formatConfigIssues("clusters.yaml", parsed.issues));
  return parsed.value;
}

const minimal = {
  name: "test",
  environment: "test",
  subscriptionId: "11111111-2222-3333-4444-555555555555",
  resourceGroup: "rg",
  clusterName: "aks",
  uiUrl: "https://cluedin.test.example/",
  approvers: [{ email: "Approver@Contoso.example" }],
  notify: { operators: ["ops@contoso.example"] },
};

const parseOne = (profile: Record<string, unknown>) => parseClusterProfiles(stringify({ clusters: [profile] }));

describe("config/clusters.yaml", () => {
  it("defines the demo profile against the simulator with short waits", () => {
    const demo = findClusterProfile(profiles(), "demo")!;
    expect(demo).toMatchObject({
      environment: "dev",
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      resourceGroup: "rg-cluedin-demo",
      clusterName: "aks-cluedin-demo",
      namespace: "cluedin",
      release: "cluedin-platform",
      armEndpoint: "https://management.azure.com",
      approvers: [{ email: "approver@contoso.example" }],
      policies: { approvals: { required: 1, selfApproval: false } },
      timings: { pollInterval: 2_000 },
    });
    for (const deadline of [
      demo.timings.podsReadyDeadline,
      demo.timings.dataUpgradeDeadline,
      demo.timings.verifyDeadline,
    ])
      expect(deadline).toBeLessThanOrEqual(5 * 60_000);
  });

  it("defines a realistic prod profile", () => {
    const prod = findClusterProfile(profiles(), "prod")!;
    expect(prod.policies).toMatchObject({
      rollback: "ask",
      approvals: { required: 2, selfApproval: false, reminderAfter: 4 * 3_600_000, deadline: 24 * 3_600_000 },
      maintenanceWindow: { days: ["sat"], start: "20:00", duration: 6 * 3_600_000 },
    });
    expect(prod.escalation.length).toBeGreaterThan(0);
    expect(prod.timings).toMatchObject({ pollInterval: 30_000, podsReadyDeadline: 1_800_000, helmTimeout: 600_000 });
    expect(prod.approvers.length).toBeGreaterThanOrEqual(prod.policies.approvals.required);
  });

  it("summarises a profile without its people or policies", () => {
    expect(clusterSummary(findClusterProfile(profiles(), "demo")!)).toEqual({
      name: "demo",
      environment: "dev",
      clusterName: "aks-cluedin-demo",
      namespace: "cluedin",
      release: "cluedin-platform",
    });
  });
});

describe("parseClusterProfiles", () => {
  it("fills every default of a minimal profile and lower-cases addresses", () => {
    const parsed = parseOne(minimal);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value[0]).toEqual({
      ...minimal,
      approvers: [{ email: "approver@contoso.example" }],
      namespace: "cluedin",
      release: "cluedin-platform",
      armEndpoint: "https://management.azure.com",
      helmDriver: "run-command",
      chartSource: { kind: "repo", url: "https://cluedin-io.github.io/Charts/" },
      labels: {},
      escalation: [],
      notify: { users: [], operators: ["ops@contoso.example"], allowedDomains: [] },
      policies: {
        rollback: "ask",
        snapshots: "data-upgrade-only",
        snapshotRetention: 3,
        snapshotWaivers: [],
        snapshotCleanupOnFailure: true,
        prePull: "best-effort",
        approvals: { required: 1, selfApproval: false, deadline: 86_400_000, inWave: "gate" },
        blockedDays: [],
      },
      timings: {
        pollInterval: 30_000,
        uiTimeout: 5_000,
        podsReadyDeadline: 1_800_000,
        pendingPodGrace: 300_000,
        dataUpgradeDeadline: 3_600_000,
        queueDrainDeadline: 1_800_000,
        snapshotDeadline: 1_800_000,
        prePullDeadline: 1_200_000,
        helmTimeout: 600_000,
        helmTimeoutGrace: 900_000,
        verifyDeadline: 1_800_000,
        decisionDeadline: 86_400_000,
      },
      thresholds: { queueDepthMax: 1000, deadLetterGrowthMax: 0, logWindow: 900_000 },
    });
  });

  it.each([
    ["a quorum larger than the approvers", { policies: { approvals: { required: 2 } } }, "policies.approvals.required"],
    [
      "escalation time without anyone to escalate to",
      { policies: { approvals: { escalateAfter: "2h" } } },
      "policies.approvals.escalateAfter",
    ],
    [
      "a reminder after the deadline",
      { policies: { approvals: { reminderAfter: "2d", deadline: "1d" } } },
      "policies.approvals.reminderAfter",
    ],
    ["a duration without unit", { timings: { pollInterval: 30 } }, "timings.pollInterval"],
    ["a zero duration", { timings: { helmTimeout: "0s" } }, "timings.helmTimeout"],
    ["an unknown helm driver", { helmDriver: "kubectl" }, "helmDriver"],
    ["an environment with capitals", { environment: "Prod" }, "environment"],
    ["a subscription that is not a GUID", { subscriptionId: "my-sub" }, "subscriptionId"],
    ["a UI URL that is not http(s)", { uiUrl: "ftp://cluedin" }, "uiUrl"],
    ["no approvers", { approvers: [] }, "approvers"],
    [
      "the same approver twice",
      { approvers: [{ email: "a@contoso.example" }, { email: "A@contoso.example" }] },
      "approvers",
    ],
    ["a bad e-mail address", { notify: { operators: ["not-an-address"] } }, "notify.operators[0]"],
    ["a misspelt key", { timings: { pollIntervall: "5s" } }, "timings"],
    [
      "a window opening at 25:00",
      { policies: { maintenanceWindow: { days: ["sat"], start: "25:00", duration: "4h" } } },
      "policies.maintenanceWindow.start",
    ],
  ])("refuses %s", (_case, override, path) => {
    const parsed = parseOne({ ...minimal, ...override });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.issues.map((i) => i.path)).toContain(`clusters[0].${path}`);
  });

  it("refuses two profiles of one name, at the second one's line", () => {
    const parsed = parseClusterProfiles(stringify({ clusters: [minimal, minimal] }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([
      expect.objectContaining({ path: "clusters[1].name", message: expect.stringMatching(/twice/) }),
    ]);
    expect(formatConfigIssues("clusters.yaml", parsed.issues)).toMatch(/^clusters\.yaml:\d+:\d+ clusters\[1\]\.name: /);
  });

  it.each([
    ["https://charts.contoso.example/cluedin", { kind: "repo", url: "https://charts.contoso.example/cluedin" }],
    ["oci://ACR.contoso.example/helm/", { kind: "oci", url: "oci://acr.contoso.example/helm" }],
    ["oci://registry.contoso.example:5000", { kind: "oci", url: "oci://registry.contoso.example:5000" }],
  ])("reads the chart source %s", (chartSource, expected) => {
    const parsed = parseOne({ ...minimal, chartSource });
    expect(parsed.ok && parsed.value[0]?.chartSource).toEqual(expected);
  });

  it.each([
    ["http://charts.contoso.example/", /http:\/\/ is not allowed/],
    ["https://reader:s3cret@charts.contoso.example/", /holds credentials/],
    ["https://charts.contoso.example/?sv=2024&sig=abc", /query or fragment/],
    ["oci://acr.contoso.example/helm/cluedin-platform", /without the chart itself/],
    ["oci://acr.contoso.example/Helm", /not an OCI repository path/],
    ["charts.contoso.example", /not a URL/],
    ["file:///srv/charts", /file:\/\/ is not allowed/],
  ])("refuses the chart source %s with a clear message", (chartSource, message) => {
    const parsed = parseOne({ ...minimal, chartSource });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([
      expect.objectContaining({ path: "clusters[0].chartSource", message: expect.stringMatching(message) }),
    ]);
  });

  it("refuses a file without clusters and YAML errors", () => {
    expect(parseClusterProfiles("clusters: []\n").ok).toBe(false);
    expect(parseClusterProfiles("clusters:\n\t- name: x\n")).toMatchObject({ ok: false, issues: [{ line: 2 }] });
  });
});

describe("nextMaintenanceWindow", () => {
  const saturdayNight = { days: ["sat" as const], start: "20:00", duration: 6 * 3_600_000 };
  const at = (iso: string) => Date.parse(iso);

  it.each([
    ["on a Wednesday: the coming Saturday", "2026-01-07T10:00:00Z", "2026-01-10T20:00:00Z"],
    ["on Saturday before it opens: tonight", "2026-01-10T19:59:00Z", "2026-01-10T20:00:00Z"],
    ["while it is open: the open one", "2026-01-10T23:00:00Z", "2026-01-10T20:00:00Z"],
    ["after midnight, still open: Saturday's", "2026-01-11T01:30:00Z", "2026-01-10T20:00:00Z"],
    ["right after it closed: next week", "2026-01-11T02:00:00Z", "2026-01-17T20:00:00Z"],
  ])("asked %s", (_case, now, opens) => {
    const window = nextMaintenanceWindow(saturdayNight, at(now));
    expect(new Date(window.opensAt).toISOString()).toBe(new Date(opens).toISOString());
    expect(window.closesAt - window.opensAt).toBe(6 * 3_600_000);
  });

  it("picks the nearest of several days", () => {
    const window = nextMaintenanceWindow(
      { days: ["tue", "sun"], start: "06:30", duration: 3_600_000 },
      at("2026-01-05T12:00:00Z"),
    );
    expect(new Date(window.opensAt).toISOString()).toBe("2026-01-06T06:30:00.000Z");
  });
});

describe("blocked days and the time zone", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ["prod defaults to Friday (no Friday upgrades)", { environment: "prod" }, ["fri"]],
    ["other environments default to none", { environment: "test" }, []],
    ["configurable", { environment: "prod", policies: { blockedDays: ["fri", "sat"] } }, ["fri", "sat"]],
    ["empty allowed, even for prod", { environment: "prod", policies: { blockedDays: [] } }, []],
  ])("%s", (_name, over, expected) => {
    const parsed = parseOne({ ...minimal, ...over });
    if (!parsed.ok) throw new Error(formatConfigIssues("clusters.yaml", parsed.issues));
    expect(parsed.value[0]?.policies.blockedDays).toEqual(expected);
  });

  it.each<[unknown, boolean]>([
    ["Europe/Amsterdam", true],
    ["UTC", true],
    ["Mars/Olympus", false],
  ])("time zone %s valid: %s", (timeZone, ok) => {
    expect(parseOne({ ...minimal, timeZone }).ok).toBe(ok);
  });

  it("refuses an unknown day", () => {
    expect(parseOne({ ...minimal, policies: { blockedDays: ["friday"] } }).ok).toBe(false);
  });
});
