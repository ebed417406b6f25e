import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DefaultAzureCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunCommandRunner } from "../../lib/clients/runner.js";
import { parseClusterProfiles } from "../../lib/config/clusters.js";
import { azureCredential, buildServices, DeferredAzureCredential } from "../../lib/services.js";
import { loadSettings, SettingsError, type Settings } from "../../lib/settings.js";

const CONFIG_DIR = fileURLToPath(new URL("../../config/", import.meta.url));
const KEY = "k".repeat(32);
/** What the app needs to start with no Azure at all: mail to an outbox and a signing key. */
const LOCAL = { MAIL_DRIVER: "outbox", APPROVAL_SIGNING_KEY: KEY };
/** The settings Bicep gives the app in Azure (infra/modules/app.bicep), with the Key Vault reference resolved. */
const AZURE = {
  AZURE_CREDENTIAL: "default",
  AZURE_CLIENT_ID: "6f1c1a9e-0000-4000-8000-000000000001",
  MAIL_DRIVER: "acs",
  ACS_ENDPOINT: "https://acs-cluedin-upgrade.europe.communication.azure.com",
  MAIL_SENDER: "DoNotReply@0a1b2c3d.azurecomm.net",
  APPROVAL_SIGNING_KEY: KEY,
  PUBLIC_BASE_URL: "https://func-cluedin-upgrade.azurewebsites.net",
  AUDIT_SINK: "blob",
  AUDIT_BLOB_URL: "https://stcluedinupgrade.blob.core.windows.net/audit",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("the settings were accepted");
}

describe("loadSettings", () => {
  it("accepts the settings Azure gives the app", () => {
    const settings = loadSettings(AZURE);
    expect(settings).toMatchObject({ MAIL_DRIVER: "acs", AUDIT_SINK: "blob", AZURE_CREDENTIAL: "default" });
  });

  it("defaults to managed identity, ACS mail and the configuration shipped beside the app", () => {
    const settings = loadSettings({ ACS_ENDPOINT: AZURE.ACS_ENDPOINT, APPROVAL_SIGNING_KEY: KEY });
    expect(settings.AZURE_CREDENTIAL).toBe("default");
    expect(settings.MAIL_DRIVER).toBe("acs");
    expect(existsSync(settings.RELEASES_FILE)).toBe(true);
    expect(existsSync(settings.CLUSTERS_FILE)).toBe(true);
    expect(path.dirname(settings.RELEASES_FILE)).toBe(path.resolve(CONFIG_DIR));
  });

  it("names the missing ACS endpoint when mail goes through ACS", () => {
    expect(problemsOf({ APPROVAL_SIGNING_KEY: KEY })).toEqual([
      expect.stringMatching(/^ACS_ENDPOINT: required when MAIL_DRIVER=acs.*communication\.azure\.com/),
    ]);
  });

  it("does not ask for ACS when mail goes to the outbox", () => {
    expect(() => loadSettings(LOCAL)).not.toThrow();
  });

  it("tells a missing signing key from a short one, without echoing it", () => {
    expect(problemsOf({ MAIL_DRIVER: "outbox" })).toEqual([expect.stringMatching(/^APPROVAL_SIGNING_KEY: required/)]);
    const short = "s3cr3t-but-short";
    const problems = problemsOf({ MAIL_DRIVER: "outbox", APPROVAL_SIGNING_KEY: short });
    expect(problems).toEqual([expect.stringMatching(/^APPROVAL_SIGNING_KEY: too short.*at least 32 bytes/)]);
    expect(problems.join("\n")).not.toContain(short);
  });

  it("recognises a Key Vault reference App Service could not resolve", () => {
    const reference = "@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/approval-signing-key/)";
    const problems = problemsOf({ ...AZURE, APPROVAL_SIGNING_KEY: reference });
    expect(problems).toEqual([
      expect.stringMatching(/^APPROVAL_SIGNING_KEY: is a Key Vault reference .* Secrets User/),
    ]);
  });

  it.each([
    ["PUBLIC_BASE_URL", "cluedin-upgrade.azurewebsites.net", /http\(s\) URL/],
    ["PUBLIC_BASE_URL", "ftp://cluedin-upgrade.example", /http\(s\) URL/],
    ["ACS_ENDPOINT", "http://acs.communication.azure.com", /https URL \(the Communication Services endpoint/],
    ["AUDIT_BLOB_URL", "not a url", /https URL \(the audit container/],
  ])("explains a bad %s", (name, value, message) => {
    const problems = problemsOf({ ...AZURE, [name]: value });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
    expect(problems[0]).toMatch(message);
  });

  it("asks for the token when the credential is a static token", () => {
    expect(problemsOf({ ...LOCAL, AZURE_CREDENTIAL: "static-token" })).toEqual([
      expect.stringMatching(/^AZURE_STATIC_TOKEN: required when AZURE_CREDENTIAL=static-token/),
    ]);
  });

  it("reports every problem at once, each naming its setting", () => {
    const error = (() => {
      try {
        loadSettings({ PUBLIC_BASE_URL: "nope", AUDIT_SINK: "blob", AZURE_CREDENTIAL: "static-token" });
      } catch (e) {
        return e as SettingsError;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(error?.problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "ACS_ENDPOINT",
      "APPROVAL_SIGNING_KEY",
      "AUDIT_BLOB_URL",
      "AZURE_STATIC_TOKEN",
      "PUBLIC_BASE_URL",
    ]);
    expect(error?.message).toMatch(/^invalid configuration:\n {2}/);
  });
});

describe("settings that would let callers forge who they are", () => {
  /** What App Service itself sets for a site (learn.microsoft.com/azure/app-service/reference-app-settings). */
  const ON_APP_SERVICE = { ...AZURE, WEBSITE_SITE_NAME: "func-cluedin-upgrade" };

  it("refuses the dashboard on App Service without App Service authentication; DASHBOARD=off or sign-in start", () => {
    expect(problemsOf(ON_APP_SERVICE)).toEqual([
      expect.stringMatching(/^DASHBOARD: the dashboard shows what the key-protected API routes protect.*DASHBOARD=off/),
    ]);
    expect(loadSettings({ ...ON_APP_SERVICE, DASHBOARD: "off" }).DASHBOARD).toBe("off");
    const signedIn = loadSettings({ ...ON_APP_SERVICE, APP_SERVICE_AUTH: "required", WEBSITE_AUTH_ENABLED: "True" });
    expect(signedIn).toMatchObject({ DASHBOARD: "on", APP_SERVICE_AUTH: "required" });
  });

  it("keeps the dashboard open off App Service (the local runtime on loopback)", () => {
    expect(loadSettings(LOCAL)).toMatchObject({ DASHBOARD: "on", APP_SERVICE_AUTH: "off" });
  });

  it("refuses OPERATOR_PRINCIPALS without App Service authentication: the header it checks would be the caller's", () => {
    expect(problemsOf({ ...LOCAL, OPERATOR_PRINCIPALS: "ops@contoso.example" })).toEqual([
      expect.stringMatching(/^OPERATOR_PRINCIPALS: needs APP_SERVICE_AUTH=required.*x-ms-client-principal/),
    ]);
    const settings = loadSettings({
      ...LOCAL,
      OPERATOR_PRINCIPALS: "Ops@contoso.example",
      APP_SERVICE_AUTH: "required",
    });
    expect(settings.OPERATOR_PRINCIPALS).toEqual(["ops@contoso.example"]);
  });

  it("refuses APP_SERVICE_AUTH=required where App Service says its authentication is off", () => {
    expect(
      problemsOf({ ...ON_APP_SERVICE, DASHBOARD: "off", APP_SERVICE_AUTH: "required", WEBSITE_AUTH_ENABLED: "False" }),
    ).toEqual([expect.stringMatching(/^APP_SERVICE_AUTH: is required but App Service reports its authentication off/)]);
  });
});

describe("azureCredential", () => {
  it("is DefaultAzureCredential (managed identity in Azure), made on first use, when AZURE_CREDENTIAL=default", async () => {
    for (const settings of [AZURE, { ...AZURE, AZURE_CLIENT_ID: "" }]) {
      const credential = azureCredential(loadSettings(settings));
      expect(credential).toBeInstanceOf(DeferredAzureCredential);
      expect(await (credential as DeferredAzureCredential).credential()).toBeInstanceOf(DefaultAzureCredential);
    }
  });

  it("hands out the fixed token only when told to", async () => {
    const credential = azureCredential(
      loadSettings({ ...LOCAL, AZURE_CREDENTIAL: "static-token", AZURE_STATIC_TOKEN: "t0k" }),
    );
    expect(credential).not.toBeInstanceOf(DeferredAzureCredential);
    expect((await credential.getToken("https://management.azure.com/.default"))?.token).toBe("t0k");
  });
});

describe("buildServices", () => {
  let dir: string;
  let clustersFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-settings-"));
    const shipped = await readFile(path.join(CONFIG_DIR, "clusters.yaml"), "utf8");
    // The shipped profiles set helmDriver explicitly; without it a profile must fall back to Run Command.
    clustersFile = path.join(dir, "clusters.yaml");
    await writeFile(clustersFile, shipped.replace(/^\s*helmDriver:.*\n/gm, ""));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (env: Record<string, string>): Settings =>
    loadSettings({ ...AZURE, CLUSTERS_FILE: clustersFile, ...env });

  it("drives Helm through AKS Run Command unless a profile asks for the CLI", async () => {
    const text = await readFile(clustersFile, "utf8");
    const parsed = parseClusterProfiles(text);
    expect(parsed.ok && parsed.value.every((p) => p.helmDriver === "run-command")).toBe(true);
    const services = buildServices(settings({}));
    expect(services.cluster("prod").runner).toBeInstanceOf(RunCommandRunner);

    const cliFile = path.join(dir, "clusters-cli.yaml");
    await writeFile(cliFile, text.replace("  - name: prod\n", "  - name: prod\n    helmDriver: cli\n"));
    expect(buildServices(settings({ CLUSTERS_FILE: cliFile })).cluster("prod").runner).not.toBeInstanceOf(
      RunCommandRunner,
    );
  });

  it.each([
    ["CLUSTERS_FILE", "clusters.yaml"],
    ["RELEASES_FILE", "releases.yaml"],
    ["EXTRA_CA_CERT_FILE", "ca.pem"],
  ])("names %s when its file is missing", (name, file) => {
    const missing = path.join(dir, "missing", file);
    expect(() => buildServices(settings({ [name]: missing }))).toThrow(
      expect.objectContaining({
        name: "SettingsError",
        problems: [`${name}: no such file: ${missing}`],
      }),
    );
  });

  it("locates what is wrong inside a configuration file", async () => {
    const broken = path.join(dir, "broken.yaml");
    await writeFile(broken, "clusters:\n  - name: Bad Name\n");
    expect(() => buildServices(settings({ CLUSTERS_FILE: broken }))).toThrow(
      expect.objectContaining({
        name: "SettingsError",
        message: expect.stringMatching(/CLUSTERS_FILE[\s\S]*broken\.yaml:2/),
      }),
    );
  });
});

describe("the Azure deployment", () => {
  const read = (relative: string): Promise<string> => readFile(new URL(`../../${relative}`, import.meta.url), "utf8");

  it("sets every setting of lib/settings.ts, or docs/deploy.md says why Azure does without it", async () => {
    const names = [...(await read("lib/settings.ts")).matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(["APPROVAL_SIGNING_KEY", "ACS_ENDPOINT", "PUBLIC_BASE_URL"]));
    const bicep = (await read("infra/main.bicep")) + (await read("infra/modules/functionapp.bicep"));
    const docs = await read("docs/deploy.md");
    for (const name of names) {
      const row = docs.split("\n").find((line) => line.startsWith(`| \`${name}\``));
      expect(row, `docs/deploy.md has no row for ${name}`).toBeDefined();
      if (!new RegExp(`^ +${name}: `, "m").test(bicep)) expect(row, `${name} is not set by Bicep`).toMatch(/Not set/);
    }
  });

  it("turns on sign-in for the dashboard or turns the dashboard off, and tells the app which", async () => {
    const main = await read("infra/main.bicep");
    expect(main).toMatch(/^ +APP_SERVICE_AUTH: empty\(authClientId\) \? 'off' : 'required'$/m);
    expect(main).toMatch(/^ +DASHBOARD: empty\(authClientId\) \? 'off' : 'on'$/m);
    const app = await read("infra/modules/functionapp.bicep");
    expect(app).toMatch(/resource auth [^\n]+ = if \(!empty\(authClientId\)\)/);
    expect(app).toMatch(/requireAuthentication: true/);
  });

  it("names the task hub from the app setting Bicep sets", async () => {
    const host = JSON.parse(await read("host.json")) as { extensions: { durableTask: { hubName: string } } };
    expect(host.extensions.durableTask.hubName).toBe("%TASK_HUB_NAME%");
    expect(await read("infra/main.bicep")).toMatch(/^ +TASK_HUB_NAME: taskHubName$/m);
  });
});
