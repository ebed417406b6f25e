/**
 * The Azure wiring's invariants, read from host.json, the Bicep (as text) and the packaging code: which Durable storage
 * provider each side names, the extension bundle that provides it, orchestration versioning and telemetry sampling.
 * Bicep cannot be compiled here; these checks keep the pieces that must agree with each other in agreement.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_STORAGE_PROVIDER,
  STORAGE_PROVIDERS,
  STORAGE_PROVIDER_VARIABLE,
  packagedHostJson,
  repoRoot,
  storageProviderFrom,
  writePackagedHostJson,
  type StorageProviderName,
} from "../../infra/package.js";
import { ORCHESTRATION_VERSION } from "../../lib/workflow/version.js";

interface HostJson {
  extensionBundle: { id: string; version: string };
  logging: { applicationInsights?: { samplingSettings?: Record<string, unknown> } };
  extensions: { durableTask: Record<string, unknown> & { storageProvider: Record<string, unknown> }; http?: unknown };
}

const read = (file: string): Promise<string> => readFile(path.join(repoRoot, file), "utf8");
const readHost = async (): Promise<HostJson> => JSON.parse(await read("host.json")) as HostJson;

/** `[4.30.0, 5.0.0)` → its bounds, each as numbers. */
function bundleRange(range: string): { min: number[]; max: number[]; minInclusive: boolean; maxInclusive: boolean } {
  const match = /^([[(])\s*([\d.]+)\s*,\s*([\d.]+)\s*([\])])$/.exec(range);
  if (!match) throw new Error(`not a version range: ${range}`);
  const parts = (v: string | undefined) => (v ?? "").split(".").map(Number);
  return { min: parts(match[2]), max: parts(match[3]), minInclusive: match[1] === "[", maxInclusive: match[4] === "]" };
}

const compareVersions = (a: number[], b: number[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};

/** Values of a Bicep `@allowed([...])` decorator directly above `param <name>`. */
function allowedValues(bicep: string, param: string): string[] {
  const match = new RegExp(`@allowed\\(\\[([^\\]]*)\\]\\)\\n(?:@[^\\n]*\\n)*param ${param} `).exec(bicep);
  if (!match) throw new Error(`no @allowed on param ${param}`);
  return [...(match[1] ?? "").matchAll(/'([^']*)'/g)].map((m) => m[1] ?? "");
}

describe("host.json", () => {
  let host: HostJson;
  beforeAll(async () => {
    host = await readHost();
  });

  it("uses the generally available extension bundle, from the first 4.x release with the scheduler provider", () => {
    // 4.30.0 added Microsoft.Azure.WebJobs.Extensions.DurableTask.AzureManaged to the GA bundle and is the minimum
    // for orchestration versioning in non-.NET languages (docs/deploy.md, host.json).
    expect(host.extensionBundle.id).toBe("Microsoft.Azure.Functions.ExtensionBundle");
    const range = bundleRange(host.extensionBundle.version);
    expect(range.minInclusive).toBe(true);
    expect(compareVersions(range.min, [4, 30, 0])).toBeGreaterThanOrEqual(0);
    expect(range.max).toEqual([5, 0, 0]);
    expect(range.maxInclusive).toBe(false);
  });

  it("names the Durable Task Scheduler provider and its connection setting, as documented", () => {
    expect(host.extensions.durableTask.storageProvider).toEqual({
      type: "azureManaged",
      connectionStringName: "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
    });
    expect(host.extensions.durableTask.storageProvider).toEqual(STORAGE_PROVIDERS[DEFAULT_STORAGE_PROVIDER]);
    expect(host.extensions.durableTask.hubName).toBe("%TASK_HUB_NAME%");
  });

  it("versions orchestrations with the version the app exports, matched CurrentOrOlder and rejected otherwise", () => {
    expect(host.extensions.durableTask.defaultVersion).toBe(ORCHESTRATION_VERSION);
    expect(host.extensions.durableTask.versionMatchStrategy).toBe("CurrentOrOlder");
    expect(host.extensions.durableTask.versionFailureStrategy).toBe("Reject");
  });

  it("keeps the orchestration version in a form Durable Task compares as a version, not as a string", () => {
    // System.Version needs two to four numeric components; anything else falls back to string comparison.
    expect(ORCHESTRATION_VERSION).toMatch(/^\d+\.\d+(\.\d+){0,2}$/);
  });

  it("samples Application Insights telemetry except requests, as the Functions project templates do", () => {
    expect(host.logging.applicationInsights?.samplingSettings).toEqual({ isEnabled: true, excludedTypes: "Request" });
  });

  it("keeps orchestration inputs and outputs out of telemetry", () => {
    expect(host.extensions.durableTask.tracing).toEqual({ traceInputsAndOutputs: false, traceReplayEvents: false });
  });
});

describe("the packaged host.json", () => {
  let host: HostJson;
  beforeAll(async () => {
    host = await readHost();
  });

  it("is the repository's host.json for the default provider", () => {
    expect(packagedHostJson(host, "DurableTaskScheduler")).toEqual(host);
  });

  it("for Azure Storage names that provider alone, without the scheduler's connection setting", () => {
    const packaged = packagedHostJson(host, "AzureStorage") as unknown as HostJson;
    expect(packaged.extensions.durableTask.storageProvider).toEqual({ type: "AzureStorage" });
    const { storageProvider: _packaged, ...rest } = packaged.extensions.durableTask;
    const { storageProvider: _repo, ...repoRest } = host.extensions.durableTask;
    expect(rest).toEqual(repoRest);
    expect({ ...packaged, extensions: {} }).toEqual({ ...host, extensions: {} });
    expect(packaged.extensions.http).toEqual(host.extensions.http);
  });

  it("takes defaultVersion from the app's constant, whatever the repository file says", () => {
    const stale = structuredClone(host);
    stale.extensions.durableTask.defaultVersion = "1.0";
    const packaged = packagedHostJson(stale, "DurableTaskScheduler") as unknown as HostJson;
    expect(packaged.extensions.durableTask.defaultVersion).toBe(ORCHESTRATION_VERSION);
    expect(stale.extensions.durableTask.defaultVersion).toBe("1.0");
  });

  it("refuses a host.json without a Durable section", () => {
    expect(() => packagedHostJson({ version: "2.0" }, "AzureStorage")).toThrow(/durableTask/);
    expect(() => packagedHostJson(null, "AzureStorage")).toThrow(/durableTask/);
  });

  describe("written to a file", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-host-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each(Object.keys(STORAGE_PROVIDERS) as StorageProviderName[])("names %s", async (provider) => {
      const target = path.join(dir, `host-${provider}.json`);
      await writePackagedHostJson(target, provider);
      const written = JSON.parse(await readFile(target, "utf8")) as HostJson;
      expect(written.extensions.durableTask.storageProvider).toEqual(STORAGE_PROVIDERS[provider]);
      expect(written.extensions.durableTask.defaultVersion).toBe(ORCHESTRATION_VERSION);
    });
  });
});

describe("storageProviderFrom", () => {
  it("defaults to Durable Task Scheduler when the variable is unset or empty", () => {
    expect(storageProviderFrom({})).toBe("DurableTaskScheduler");
    expect(storageProviderFrom({ [STORAGE_PROVIDER_VARIABLE]: "" })).toBe("DurableTaskScheduler");
  });

  it("takes the azd variable's value", () => {
    expect(STORAGE_PROVIDER_VARIABLE).toBe("DURABLE_STORAGE_PROVIDER");
    expect(storageProviderFrom({ DURABLE_STORAGE_PROVIDER: "AzureStorage" })).toBe("AzureStorage");
    expect(storageProviderFrom({ DURABLE_STORAGE_PROVIDER: " DurableTaskScheduler " })).toBe("DurableTaskScheduler");
  });

  it("refuses a provider nothing was provisioned for", () => {
    expect(() => storageProviderFrom({ DURABLE_STORAGE_PROVIDER: "Netherite" })).toThrow(/AzureStorage/);
    expect(() => storageProviderFrom({ DURABLE_STORAGE_PROVIDER: "toString" })).toThrow(/expected one of/);
  });
});

describe("the Bicep", () => {
  let main: string;
  let parameters: { parameters: Record<string, { value: string }> };
  let durableTask: string;
  let functionApp: string;
  let storage: string;
  let docs: string;
  beforeAll(async () => {
    main = await read("infra/main.bicep");
    parameters = JSON.parse(await read("infra/main.parameters.json")) as typeof parameters;
    durableTask = await read("infra/modules/durabletask.bicep");
    functionApp = await read("infra/modules/functionapp.bicep");
    storage = await read("infra/modules/storage.bicep");
    docs = await read("docs/deploy.md");
  });

  it("chooses between the providers the package can write, Durable Task Scheduler by default", () => {
    expect(allowedValues(main, "durableStorageProvider").sort()).toEqual(Object.keys(STORAGE_PROVIDERS).sort());
    expect(main).toMatch(/^param durableStorageProvider string = 'DurableTaskScheduler'$/m);
    expect(main).toMatch(/^var useDurableTaskScheduler = durableStorageProvider == 'DurableTaskScheduler'$/m);
  });

  it("reads the provider from the same azd variable as the package, and writes it back as an output", () => {
    expect(parameters.parameters.durableStorageProvider?.value).toBe(`\${${STORAGE_PROVIDER_VARIABLE}}`);
    expect(main).toMatch(new RegExp(`^output ${STORAGE_PROVIDER_VARIABLE} string = durableStorageProvider$`, "m"));
  });

  it("creates a scheduler and the app's task hub only for Durable Task Scheduler", () => {
    expect(main).toMatch(/^module durableTask 'modules\/durabletask\.bicep' = if \(useDurableTaskScheduler\) \{$/m);
    expect(main).toMatch(/^ {4}taskHubName: taskHubName$/m);
    expect(durableTask).toMatch(/^resource scheduler 'Microsoft\.DurableTask\/schedulers@2025-11-01' = \{$/m);
    expect(durableTask).toMatch(/^resource taskHub 'Microsoft\.DurableTask\/schedulers\/taskHubs@2025-11-01' = \{$/m);
    expect(durableTask).toMatch(/ipAllowlist: \[\s*'0\.0\.0\.0\/0'\s*\]/);
    expect(allowedValues(durableTask, "skuName").sort()).toEqual(["Consumption", "Dedicated"]);
  });

  it("gives the app's identity Durable Task Data Contributor on the task hub, and the deployer at most Reader", () => {
    expect(durableTask).toContain("var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'");
    expect(durableTask).toContain("var durableTaskDataReader = 'd6a5505f-6ebb-45a4-896e-ac8274cfc0ac'");
    expect(durableTask).toMatch(
      /resource appAccess [^\n]+\n(?: [^\n]*\n)*? {2}scope: taskHub\n(?: [^\n]*\n)*? {4}roleDefinitionId: [^\n]*durableTaskDataContributor\)\n {4}principalId: appPrincipalId\n/,
    );
    expect(durableTask).toMatch(/resource readerAccess [^\n]+ = if \(!empty\(readerPrincipalId\)\) \{/);
    expect(main).toMatch(/^ {4}appPrincipalId: identity\.outputs\.principalId$/m);
  });

  it("sets the connection setting host.json names, in the documented managed identity form", () => {
    const setting = STORAGE_PROVIDERS.DurableTaskScheduler.connectionStringName;
    const line = functionApp.split("\n").find((l) => l.trimStart().startsWith(`${setting}:`));
    expect(line, `functionapp.bicep sets no ${setting}`).toBeDefined();
    expect(line?.trim()).toMatch(
      new RegExp(
        `^${setting}: 'Endpoint=\\$\\{durableTaskSchedulerEndpoint\\};Authentication=ManagedIdentity;ClientID=\\$\\{identityClientId\\}'$`,
      ),
    );
    expect(functionApp).toMatch(/^var durableTaskSettings = empty\(durableTaskSchedulerEndpoint\) \? \{\} : \{$/m);
    expect(functionApp).toContain("properties: union(appSettings, durableTaskSettings, {");
    expect(main).toMatch(
      /durableTaskSchedulerEndpoint: useDurableTaskScheduler \? durableTask\.outputs\.endpoint : ''/,
    );
  });

  it("keeps the Azure Storage wiring whole: identity-based AzureWebJobsStorage and the task hub's data roles", () => {
    for (const setting of [
      "AzureWebJobsStorage__credential: 'managedidentity'",
      "AzureWebJobsStorage__clientId: identityClientId",
      "AzureWebJobsStorage__blobServiceUri:",
      "AzureWebJobsStorage__queueServiceUri:",
      "AzureWebJobsStorage__tableServiceUri:",
    ])
      expect(functionApp).toContain(setting);
    for (const role of [
      "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
      "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
      "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
    ])
      expect(storage).toContain(role);
  });

  it("passes every parameter azd maps, and docs/deploy.md describes each one", () => {
    const declared = [...main.matchAll(/^param (\w+) /gm)].map((m) => m[1]);
    expect(Object.keys(parameters.parameters).filter((name) => !declared.includes(name))).toEqual([]);
    const undocumented = declared.filter((name) => !docs.includes(`| \`${name}\``));
    expect(undocumented, "parameters without a row in docs/deploy.md").toEqual([]);
  });
});
