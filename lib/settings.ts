/**
 * The app's settings, read from the environment (App Settings in Azure) and checked at start-up with a message
 * that says which setting is wrong. Drivers are chosen here and only here: credential, mail, audit sink.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { MIN_KEY_BYTES } from "./approvals/token.js";

/**
 * The directory holding package.json nearest above this module: the repository when run from source or `dist/`, the
 * package root when run from the deployed bundle (`<root>/dist/main.js`). `config/` is resolved against it.
 */
function findProjectRoot(moduleDir: string): string {
  for (let dir = moduleDir; path.dirname(dir) !== dir; dir = path.dirname(dir))
    if (existsSync(path.join(dir, "package.json"))) return dir;
  return path.resolve(moduleDir, "..");
}

const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** App Service leaves a Key Vault reference it could not resolve in place, as the literal reference text. */
const UNRESOLVED_KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

const httpsUrl = (what: string) => z.url({ protocol: /^https$/, error: `must be an https URL (${what})` });

const SettingsSchema = z
  .object({
    CLUSTERS_FILE: z.string().default(path.join(projectRoot, "config", "clusters.yaml")),
    RELEASES_FILE: z.string().default(path.join(projectRoot, "config", "releases.yaml")),
    FLEETS_FILE: z.string().default(path.join(projectRoot, "config", "fleets.yaml")),
    /** `default`: DefaultAzureCredential (managed identity in Azure); `static-token`: a fixed token (the simulator). */
    AZURE_CREDENTIAL: z.enum(["default", "static-token"]).default("default"),
    AZURE_STATIC_TOKEN: z.string().optional(),
    AZURE_CLIENT_ID: z.string().optional(),
    /** One more CA to trust for ARM and the Kubernetes API (a TLS-inspecting proxy; the simulator). */
    EXTRA_CA_CERT_FILE: z.string().optional(),
    MAIL_DRIVER: z.enum(["acs", "outbox"]).default("acs"),
    MAIL_OUTBOX_DIR: z.string().default(path.join(projectRoot, ".local", "outbox")),
    ACS_ENDPOINT: httpsUrl("the Communication Services endpoint, https://<name>.communication.azure.com").optional(),
    MAIL_SENDER: z.string().default("cluedin-upgrade@localhost"),
    /** HMAC key for approval links; in Azure a Key Vault reference. */
    APPROVAL_SIGNING_KEY: z.string().optional(),
    /** Base URL of this app as approvers reach it, for links in e-mails. */
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL (this app as approvers reach it)" })
      .default("http://127.0.0.1:7071"),
    /** Where the CLI driver keeps each command's output, so a later activity can poll it. */
    CLI_STATE_DIR: z.string().default(path.join(projectRoot, ".local", "runs")),
    /**
     * `required`: App Service authentication (Easy Auth) is on in front of the app with `requireAuthentication`, so
     * every request reaching it is signed in and the platform sets (and strips from callers) `x-ms-client-principal`
     * and `client-ip`. Only then does the app read them. `off`: no caller identity is trusted.
     */
    APP_SERVICE_AUTH: z.enum(["off", "required"]).default("off"),
    /** `on`: serve the read-only dashboard pages. In App Service only with APP_SERVICE_AUTH=required. */
    DASHBOARD: z.enum(["on", "off"]).default("on"),
    /** Set by App Service itself (read-only there): the app runs on the platform, not on a developer's machine. */
    WEBSITE_SITE_NAME: z.string().optional(),
    /** Set by App Service itself: `True` when its authentication is enabled for the site. */
    WEBSITE_AUTH_ENABLED: z.string().optional(),
    /**
     * Comma-separated principals (App Service authentication user names or object ids) allowed to plan, start and
     * cancel upgrades, on top of the function key. Empty: the key alone decides. Needs APP_SERVICE_AUTH=required.
     */
    OPERATOR_PRINCIPALS: z
      .string()
      .default("")
      .transform((list) =>
        list
          .split(",")
          .map((p) => p.trim().toLowerCase())
          .filter(Boolean),
      ),
    AUDIT_SINK: z.enum(["file", "blob"]).default("file"),
    AUDIT_DIR: z.string().default(path.join(projectRoot, ".local", "audit")),
    AUDIT_BLOB_URL: httpsUrl("the audit container, https://<account>.blob.core.windows.net/<container>").optional(),
  })
  .superRefine((s, ctx) => {
    for (const [key, value] of Object.entries(s))
      if (typeof value === "string" && UNRESOLVED_KEY_VAULT_REFERENCE.test(value))
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            "is a Key Vault reference App Service could not resolve: check that the app's identity has Key Vault " +
            "Secrets User on the vault and is the site's keyVaultReferenceIdentity, and that the secret exists",
        });
    if (s.AZURE_CREDENTIAL === "static-token" && !s.AZURE_STATIC_TOKEN)
      ctx.addIssue({
        code: "custom",
        path: ["AZURE_STATIC_TOKEN"],
        message: "required when AZURE_CREDENTIAL=static-token",
      });
    if (s.MAIL_DRIVER === "acs" && !s.ACS_ENDPOINT)
      ctx.addIssue({
        code: "custom",
        path: ["ACS_ENDPOINT"],
        message:
          "required when MAIL_DRIVER=acs: the Communication Services endpoint, https://<name>.communication.azure.com",
      });
    if (!s.APPROVAL_SIGNING_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["APPROVAL_SIGNING_KEY"],
        message: "required: the key approval links are signed with (a Key Vault reference in Azure)",
      });
    else if (Buffer.byteLength(s.APPROVAL_SIGNING_KEY) < MIN_KEY_BYTES)
      ctx.addIssue({
        code: "custom",
        path: ["APPROVAL_SIGNING_KEY"],
        message: `too short: the key approval links are signed with needs at least ${MIN_KEY_BYTES} bytes`,
      });
    if (s.OPERATOR_PRINCIPALS.length > 0 && s.APP_SERVICE_AUTH !== "required")
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_PRINCIPALS"],
        message:
          "needs APP_SERVICE_AUTH=required: without App Service authentication any caller can send the " +
          "x-ms-client-principal header the list is checked against",
      });
    const onAppService = Boolean(s.WEBSITE_SITE_NAME);
    if (onAppService && s.DASHBOARD === "on" && s.APP_SERVICE_AUTH !== "required")
      ctx.addIssue({
        code: "custom",
        path: ["DASHBOARD"],
        message:
          "the dashboard shows what the key-protected API routes protect: in App Service it needs sign-in " +
          "(App Service authentication with requireAuthentication and APP_SERVICE_AUTH=required; infra parameter " +
          "authClientId), or DASHBOARD=off",
      });
    if (onAppService && s.APP_SERVICE_AUTH === "required" && s.WEBSITE_AUTH_ENABLED?.toLowerCase() === "false")
      ctx.addIssue({
        code: "custom",
        path: ["APP_SERVICE_AUTH"],
        message:
          "is required but App Service reports its authentication off (WEBSITE_AUTH_ENABLED=False): identity " +
          "headers would come from callers; turn on authentication (authsettingsV2) or set APP_SERVICE_AUTH=off",
      });
    if (s.AUDIT_SINK === "blob" && !s.AUDIT_BLOB_URL)
      ctx.addIssue({
        code: "custom",
        path: ["AUDIT_BLOB_URL"],
        message: "required when AUDIT_SINK=blob (the audit container URL)",
      });
  });

export type Settings = z.output<typeof SettingsSchema> & { APPROVAL_SIGNING_KEY: string };

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = "SettingsError";
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = SettingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new SettingsError(`invalid configuration:\n  ${problems.join("\n  ")}`, problems);
  }
  return parsed.data as Settings;
}
