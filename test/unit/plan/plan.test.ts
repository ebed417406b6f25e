import { describe, expect, it } from "vitest";
import { checkReleaseJump } from "../../../lib/values/index.js";
import { buildPlan, MAX_PLAN_BYTES, planSummary, type PlanInput } from "../../../lib/plan/index.js";
import { REDACTED } from "../../../lib/redaction/index.js";
import { prepareValues } from "../../../lib/values/index.js";
import { loadCatalog, releaseOf } from "../support/catalog.js";

const catalog = loadCatalog();
const cluster = {
  name: "demo",
  environment: "dev",
  clusterName: "aks-cluedin-demo",
  namespace: "cluedin",
  release: "cluedin-platform",
};

const SECRETS = ["SaP@ssw0rd!", "R4bbit-Secret", "hubspot-tok-123", "OrgAdm1nPass", "AcrPu11Pass"];
const CURRENT = [
  "global:",
  "  image:",
  '    tag: "2024.12.02"',
  "  strategy:",
  "    type: Recreate",
  "platform:",
  "  extraImagePullSecrets:",
  "  - name: acr",
  "    username: puller",
  `    password: ${SECRETS[4]}`,
  "application:",
  "  bootstrap:",
  "    organization:",
  "      name: contoso",
  `      password: ${SECRETS[3]}`,
  "  gql:",
  `    hubspotToken: ${SECRETS[2]}`,
  "  cluedin:",
  "    image:",
  '      tag: "2024.12.02"',
  "    components:",
  "      packages:",
  "      - name: CluedIn.Connector.Http",
  "        version: 4.0.0",
  "      - name: Contoso.Enricher",
  "        version: 1.0.0",
  "infrastructure:",
  "  mssql:",
  `    sapassword: "${SECRETS[0]}" # rotate ${SECRETS[0]} yearly`,
  "  rabbitmq:",
  "    auth:",
  `      password: ${SECRETS[1]}`,
  "",
].join("\n");

function input(valuesText = CURRENT, targetTag = "2025.05.00", from = "2024.12.02"): PlanInput {
  const target = releaseOf(catalog, targetTag);
  const jump = checkReleaseJump(catalog, from, targetTag);
  return {
    cluster,
    current: { release: from, chartVersion: "2.4.2", revision: 7, valuesText },
    target,
    hops: jump.hops,
    prepared: prepareValues({ valuesText, sourceRelease: from, target, environment: cluster.environment }),
    findings: jump.findings,
  };
}

describe("buildPlan", () => {
  const plan = buildPlan(input());
  const json = JSON.stringify(plan);

  it("says what changes: release, chart, mode, hops, file, downtime", () => {
    expect(plan).toMatchObject({
      fromRelease: "2024.12.02",
      fromChart: "2.4.2",
      fromRevision: 7,
      toRelease: "2025.05.00",
      toChart: "2.5.0",
      mode: "data-upgrade",
      dataUpgrade: { kind: "resource", toVersion: "Version450" },
      hops: [{ release: "2025.05.00", chartVersion: "2.5.0", mode: "data-upgrade" }],
      valuesFile: "values-dev-2025-05-00.yml",
      // The guide's 30 minutes plus the 51 of the 2024.12 page's Version440 log (config/releases.yaml header).
      expectedDowntimeMinutes: 81,
      ready: true,
      blockers: [],
    });
    expect(plan.warnings.map((w) => w.code)).toEqual(["customer-package"]);
    expect(plan.changes.map((c) => c.path)).toEqual([
      "global.image.tag",
      "application.cluedin.image.tag",
      "application.cluedin.components.packages[0].version",
    ]);
  });

  it("counts the packages against the release page and lists none it would add", () => {
    expect(plan.packages).toEqual({
      updated: 1,
      unchanged: 0,
      notListed: [],
      notInstalled: 29,
      page: "https://documentation.cluedin.net/paas-operations/upgrade/2025-05-00",
    });
  });

  it("shows the release page's advisories that apply: the HubSpot token placeholder, not 2025.05.02's Key Vault", () => {
    expect(plan.advisories).toEqual([
      { release: "2025.05.00", id: "gql-hubspot-token", text: expect.stringContaining("<pat-token>") },
    ]);
    const keyVault = `${CURRENT}  elasticsearch:\n    extraVolumes:\n    - name: secrets-store01-inline\n`;
    const patch = buildPlan(input(keyVault, "2025.05.02", "2025.05.00"));
    expect(patch.advisories.map((a) => a.id)).toEqual(["gql-hubspot-token", "azure-key-vault-mounts"]);
    expect(buildPlan(input(CURRENT, "2025.05.02", "2025.05.00")).advisories.map((a) => a.id)).toEqual([
      "gql-hubspot-token",
    ]);
  });

  it("shows the changed paths as a diff, before and after", () => {
    expect(plan.diff).toContain("--- values-dev-2024-12-02.yml");
    expect(plan.diff).toContain("+++ values-dev-2025-05-00.yml");
    expect(plan.diff).toContain("-global.image.tag: 2024.12.02\n+global.image.tag: 2025.05.00");
    expect(plan.diff).toContain(
      "-application.cluedin.components.packages[0].version: 4.0.0\n+application.cluedin.components.packages[0].version: 4.5.0",
    );
    expect(plan.diffTruncated).toBe(false);
    expect(plan.diffSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("shows no line of the user's file beyond the paths it changes", () => {
    const lines = plan.diff.split("\n");
    expect(lines.slice(0, 2)).toEqual(["--- values-dev-2024-12-02.yml", "+++ values-dev-2025-05-00.yml"]);
    const paths = new Set(plan.changes.map((c) => c.path));
    for (const line of lines.slice(2)) expect(paths).toContain(/^[-+]([^:]+): /.exec(line)?.[1]);
    expect(plan.diff).not.toMatch(/Recreate|Contoso|contoso|puller|1\.0\.0/);
  });

  it("never shows secrets under keys no heuristic knows, even next to a change", () => {
    const unknown = {
      env: "Sim-Env-Value-Xq7",
      pat: "feed-pat-Zt42k9",
      existing: "literal-in-existing-8s",
      hook: "https://hooks.example/services/T000/B000/XXXXplan",
      key: "key-list-entry-77",
    };
    const text = CURRENT.replace(
      '  image:\n    tag: "2024.12.02"',
      [
        "  alerts:",
        `    target: ${unknown.hook}`,
        "  image:",
        `    existingSecret: ${unknown.existing}`,
        '    tag: "2024.12.02"',
        "    env:",
        "    - name: SQL_PASSWORD",
        `      value: ${unknown.env}`,
        "    keys:",
        `    - ${unknown.key}`,
      ].join("\n"),
    ).replace(
      "      - name: CluedIn.Connector.Http",
      `      - name: CluedIn.Connector.Http\n        pat: ${unknown.pat}`,
    );
    const json = JSON.stringify(buildPlan(input(text)));
    expect(json).toContain("global.image.tag");
    for (const secret of Object.values(unknown)) expect(json).not.toContain(secret);
  });

  it.each(SECRETS)("never carries the planted secret %s", (secret) => {
    expect(json).not.toContain(secret);
  });

  it("keeps the secrets' places in the diff, redacted", () => {
    expect(plan.diff).not.toContain("sapassword");
    expect(
      buildPlan(input(CURRENT.replace("type: Recreate", `type: Recreate\n  password: ${SECRETS[0]}`))).diff,
    ).not.toContain(SECRETS[0]);
    expect(json).not.toContain("puller");
  });

  it("is deterministic", () => {
    expect(JSON.stringify(buildPlan(input()))).toBe(json);
  });

  it("changes its digest when the diff changes, and only then", () => {
    const other = buildPlan(input(CURRENT.replace("version: 4.0.0", "version: 4.1.0")));
    expect(other.diffSha256).not.toBe(plan.diffSha256);
    const untouched = buildPlan(input(CURRENT.replace("version: 1.0.0", "version: 1.0.1")));
    expect(untouched.diffSha256).toBe(plan.diffSha256);
  });

  it("stays small", () => {
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_PLAN_BYTES);
  });
});

describe("buildPlan on large or blocked input", () => {
  it("cuts a long diff with a note, keeps the digest of the whole diff, and stays under the budget", () => {
    const pins = Array.from({ length: 400 }, (_, i) => `  component${i}:\n    image:\n      tag: "2024.12.02"`).join(
      "\n",
    );
    const text = CURRENT.replace("application:\n", `application:\n${pins}\n`);
    const plan = buildPlan(input(text));
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThanOrEqual(MAX_PLAN_BYTES);
    expect(plan.diffTruncated).toBe(true);
    expect(plan.diff).toMatch(/\n… diff truncated: \d+ more line\(s\); the full diff has the plan's diffSha256$/);
    expect(plan.changes.length + plan.omitted.changes).toBe(403);
    const tail = buildPlan(
      input(text.replace('component399:\n    image:\n      tag: "2024.12.02"', "component399: {}")),
    );
    expect(tail.diffSha256).not.toBe(plan.diffSha256);
  });

  it("keeps under budget with hundreds of warnings, saying how many it left out", () => {
    const packages = Array.from(
      { length: 400 },
      (_, i) => `      - name: Contoso.Package${i}\n        version: 1.0.${i}`,
    ).join("\n");
    const text = CURRENT.replace("      - name: Contoso.Enricher\n        version: 1.0.0", packages);
    const plan = buildPlan(input(text));
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThanOrEqual(MAX_PLAN_BYTES);
    expect(plan.warnings.length + plan.omitted.warnings).toBe(400);
    expect(plan.omitted.warnings).toBeGreaterThan(0);
  });

  it("carries the blockers of a refused jump and of the values", () => {
    const plan = buildPlan(
      input(CURRENT.replace('    tag: "2024.12.02"\n  strategy', "\ttag: x\n  strategy"), "2025.05.00", "2024.07.00"),
    );
    expect(plan.ready).toBe(false);
    expect(plan.blockers.map((b) => b.code)).toEqual(["unsupported-jump", "tab-indentation"]);
    expect(plan.hops).toEqual([{ release: "2025.05.00", chartVersion: "2.5.0", mode: "data-upgrade" }]);
    expect(plan.diff).toBe("");
    expect(plan.changes).toEqual([]);
    expect(plan.valuesFile).toBe("values-dev-2025-05-00.yml");
  });

  it("redacts secrets a message might echo", () => {
    const base = input();
    const plan = buildPlan({
      ...base,
      findings: [
        {
          code: "yaml-warning",
          severity: "warning",
          message: `odd value near ${SECRETS[1]}; see https://x.example/?sig=abc`,
        },
      ],
    });
    expect(plan.warnings[0]?.message).toBe(`odd value near ${REDACTED}; see https://x.example/?sig=${REDACTED}`);
  });
});

describe("planSummary", () => {
  it("fits custom status in a few hundred bytes", () => {
    const plan = buildPlan(input());
    const summary = planSummary(plan);
    expect(summary).toEqual({
      cluster: "demo",
      from: "2024.12.02",
      to: "2025.05.00",
      chart: "2.4.2 -> 2.5.0",
      mode: "data-upgrade",
      hops: 1,
      ready: true,
      blockers: 0,
      warnings: 1,
      changes: 3,
      diffSha256: plan.diffSha256,
    });
    expect(JSON.stringify(summary).length).toBeLessThan(400);
  });

  it("names the first blocker", () => {
    const summary = planSummary(buildPlan(input(CURRENT, "2025.05.00", "2025.05.02")));
    expect(summary.ready).toBe(false);
    expect(summary.firstBlocker).toMatch(/^downgrade: /);
    expect(JSON.stringify(summary).length).toBeLessThan(500);
  });
});
