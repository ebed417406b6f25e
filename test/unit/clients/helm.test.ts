import { describe, expect, it } from "vitest";
import {
  CommandOutputError,
  chartRefArgs,
  classifyHelmError,
  helmRollbackArgs,
  helmShowChartArgs,
  helmUpgradeArgs,
  parseHelmFailure,
  parseRabbitmqQueues,
  rabbitmqListQueuesArgs,
  type HelmUpgradeOptions,
} from "../../../lib/clients/helm.js";
import { DOCUMENTED_CHART_REPOSITORY, type ChartSource } from "../../../lib/config/chart-source.js";

const documented: ChartSource = { kind: "repo", url: DOCUMENTED_CHART_REPOSITORY };
const registry: ChartSource = { kind: "oci", url: "oci://acr.contoso.example/helm" };

const upgrade: HelmUpgradeOptions = {
  release: "cluedin-platform",
  namespace: "cluedin",
  source: documented,
  version: "2.5.0",
  reuseValues: false,
  valuesFiles: ["values-dev-2025-05-00.yml"],
  set: {
    "application.system.upgradeMode": true,
    "application.system.runDatabaseJobsOnUpgrade": true,
    "application.system.runNugetFullRestore": false,
  },
  wait: true,
  timeout: "10m0s",
  description: "cluedin-upgrade run 42 upgrade-mode #1",
};

describe("helmUpgradeArgs", () => {
  it("builds the runbook's data upgrade command", () => {
    expect(helmUpgradeArgs(upgrade)).toEqual([
      "helm",
      "upgrade",
      "cluedin-platform",
      "-n",
      "cluedin",
      "cluedin-platform",
      "--repo",
      "https://cluedin-io.github.io/Charts/",
      "--version",
      "2.5.0",
      "--values",
      "values-dev-2025-05-00.yml",
      "--set",
      "application.system.upgradeMode=true",
      "--set",
      "application.system.runDatabaseJobsOnUpgrade=true",
      "--set",
      "application.system.runNugetFullRestore=false",
      "--wait",
      "--timeout",
      "10m0s",
      "--description",
      "cluedin-upgrade run 42 upgrade-mode #1",
    ]);
  });

  it("passes strings with --set-string and leaves out --wait when not waiting", () => {
    const args = helmUpgradeArgs({ ...upgrade, set: { "global.image.tag": "2025.05.00" }, wait: false });
    expect(args).toContain("--set-string");
    expect(args[args.indexOf("--set-string") + 1]).toBe("global.image.tag=2025.05.00");
    expect(args).not.toContain("--wait");
  });

  it.each<[string, Partial<HelmUpgradeOptions>]>([
    ["release with shell syntax", { release: "cluedin;rm -rf /" }],
    ["upper-case release", { release: "CluedIn" }],
    ["release longer than 53", { release: "a".repeat(54) }],
    ["namespace with slash", { namespace: "a/b" }],
    ["chart version with spaces", { version: "2.5.0 --post-renderer x" }],
    ["chart version that is a flag", { version: "--devel" }],
    ["values file with a path", { valuesFiles: ["../etc/passwd"] }],
    ["values file that is a flag", { valuesFiles: ["-f"] }],
    ["command without a values file", { valuesFiles: [] }],
    ["set key with a comma", { set: { "a,b": true } }],
    ["set value with a comma", { set: { "global.image.tag": "x,y=z" } }],
    ["set value with braces", { set: { "global.image.tag": "{a}" } }],
    ["timeout in words", { timeout: "ten minutes" }],
    ["description with a newline", { description: "a\nb" }],
    ["http source", { source: { kind: "repo", url: "http://charts.contoso.example/" } }],
    ["source with credentials", { source: { kind: "repo", url: "https://u:p@charts.contoso.example/" } }],
    ["OCI source given as a repository", { source: { kind: "repo", url: "oci://acr.contoso.example/helm" } }],
  ])("refuses a %s", (_name, change) => {
    expect(() => helmUpgradeArgs({ ...upgrade, ...change })).toThrow();
  });
});

describe("helmRollbackArgs", () => {
  it("rolls back to a revision in the namespace", () => {
    expect(
      helmRollbackArgs({
        release: "cluedin-platform",
        namespace: "cluedin",
        revision: 7,
        wait: true,
        timeout: "10m0s",
      }),
    ).toEqual(["helm", "rollback", "cluedin-platform", "7", "-n", "cluedin", "--wait", "--timeout", "10m0s"]);
  });

  it.each([0, -1, 1.5])("refuses revision %d", (revision) => {
    expect(() =>
      helmRollbackArgs({ release: "cluedin-platform", namespace: "cluedin", revision, wait: false, timeout: "5m" }),
    ).toThrow();
  });
});

describe("rabbitmqListQueuesArgs", () => {
  it("execs rabbitmqctl in the broker pod with the JSON formatter", () => {
    expect(rabbitmqListQueuesArgs({ namespace: "cluedin", pod: "cluedin-rabbitmq-0" })).toEqual([
      "kubectl",
      "exec",
      "-n",
      "cluedin",
      "cluedin-rabbitmq-0",
      "--",
      "rabbitmqctl",
      "list_queues",
      "--quiet",
      "--formatter",
      "json",
      "name",
      "messages",
      "consumers",
    ]);
  });

  it("refuses a pod name that is not one", () => {
    expect(() => rabbitmqListQueuesArgs({ namespace: "cluedin", pod: "x -- sh" })).toThrow();
  });
});

describe("the chart source on the command", () => {
  it("names the documented repository with --repo, leaving the machine's repository list alone", () => {
    expect(chartRefArgs(documented)).toEqual(["cluedin-platform", "--repo", "https://cluedin-io.github.io/Charts/"]);
  });

  it("refers to the chart in an OCI registry by its full reference", () => {
    const args = helmUpgradeArgs({ ...upgrade, source: registry, reuseValues: true });
    expect(args.slice(0, 9)).toEqual([
      "helm",
      "upgrade",
      "cluedin-platform",
      "-n",
      "cluedin",
      "oci://acr.contoso.example/helm/cluedin-platform",
      "--version",
      "2.5.0",
      "--reuse-values",
    ]);
    expect(args).not.toContain("--repo");
  });

  it("proves a version resolves with helm show chart from the same source", () => {
    expect(helmShowChartArgs({ source: documented, version: "2.4.2" })).toEqual([
      "helm",
      "show",
      "chart",
      "cluedin-platform",
      "--repo",
      "https://cluedin-io.github.io/Charts/",
      "--version",
      "2.4.2",
    ]);
    expect(() => helmShowChartArgs({ source: documented, version: "--devel" })).toThrow();
  });
});

describe("parseRabbitmqQueues", () => {
  it.each([
    [
      "JSON formatter",
      '[\n{"name":"ingestion-data-set","messages":12,"consumers":2},\n{"name":"DeadLetterCommands","messages":0,"consumers":0}\n]\n',
    ],
    [
      "JSON after kubectl and rabbitmqctl notices",
      'Defaulted container "rabbitmq" out of: rabbitmq, metrics\nTimeout: 60.0 seconds ...\n[{"name":"ingestion-data-set","messages":"12","consumers":2},{"name":"DeadLetterCommands","messages":0,"consumers":0}]\n',
    ],
    [
      "tab-separated table with headers",
      "Timeout: 60.0 seconds ...\nListing queues for vhost / ...\nname\tmessages\tconsumers\ningestion-data-set\t12\t2\nDeadLetterCommands\t0\t0\n",
    ],
    ["quiet table", "ingestion-data-set\t12\t2\r\nDeadLetterCommands\t0\t0\r\n"],
  ])("reads the %s", (_name, output) => {
    expect(parseRabbitmqQueues(output)).toEqual([
      { name: "ingestion-data-set", messages: 12, consumers: 2 },
      { name: "DeadLetterCommands", messages: 0, consumers: 0 },
    ]);
  });

  it.each([
    ["an empty JSON list", "[]\n"],
    ["a table with headers only", "Listing queues for vhost / ...\nname\tmessages\tconsumers\n"],
    ["no output at all", ""],
  ])("reads %s as no queues", (_name, output) => {
    expect(parseRabbitmqQueues(output)).toEqual([]);
  });

  it.each([
    ["an error message", "Error: unable to perform an operation on node 'rabbit@cluedin-rabbitmq-0'.\n"],
    ["broken JSON", '[{"name":"a","messages":\n'],
    ["JSON of another shape", '[{"queue":"a"}]\n'],
    ["a row without numbers", "ingestion-data-set\tmany\t2\n"],
  ])("refuses %s instead of reading it as empty", (_name, output) => {
    expect(() => parseRabbitmqQueues(output)).toThrow(CommandOutputError);
  });
});

describe("helm failures", () => {
  it.each([
    ["Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress", "operation-in-progress"],
    ["Error: UPGRADE FAILED: context deadline exceeded", "timeout"],
    ["Error: UPGRADE FAILED: timed out waiting for the condition", "timeout"],
    [
      'Error: chart "cluedin-platform" version "9.9.9" not found in https://cluedin-io.github.io/Charts/ repository',
      "chart-not-found",
    ],
    [
      'Error: failed to perform "FetchReference" on source: oci://acr.contoso.example/helm/cluedin-platform:9.9.9: not found',
      "chart-not-found",
    ],
    [
      'Error: looks like "https://charts.contoso.example/" is not a valid chart repository or cannot be reached: Get "https://charts.contoso.example/index.yaml": dial tcp: lookup charts.contoso.example on 10.0.0.10:53: no such host',
      "source-unreachable",
    ],
    ["Error: could not find protocol handler for: ftp", "source-unreachable"],
    [
      "Error: failed to parse values.yml: error converting YAML to JSON: yaml: line 3: found character that cannot start any token",
      "invalid-values",
    ],
    ['Error: UPGRADE FAILED: "cluedin-platform" has no deployed releases', "no-deployed-release"],
    ['Error: UPGRADE FAILED: cannot patch "cluedin-server" with kind Deployment', "other"],
  ])("classifies %s", (line, kind) => {
    expect(classifyHelmError(line)).toBe(kind);
  });

  it("takes the last Error line of the logs as the failure", () => {
    const logs = [
      '"cluedin" has been added to your repositories',
      "Error: something earlier",
      "coalesce.go:237: warning: skipped value",
      "Error: UPGRADE FAILED: context deadline exceeded",
      "",
    ].join("\n");
    expect(parseHelmFailure(logs)).toEqual({
      kind: "timeout",
      message: "Error: UPGRADE FAILED: context deadline exceeded",
      lines: ["Error: something earlier", "Error: UPGRADE FAILED: context deadline exceeded"],
    });
  });

  it("finds no failure in a successful upgrade's output", () => {
    expect(parseHelmFailure('Release "cluedin-platform" has been upgraded. Happy Helming!\n')).toBeUndefined();
  });
});
