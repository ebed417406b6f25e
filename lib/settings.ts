/**
 * The app's settings, read from the environment (App Settings in Azure) and checked at start-up with a message
 * that says which setting is wrong. Drivers are chosen here and only here: credential, mail, audit sink.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const projectRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  ...(import.meta.url.includes("/dist/") ? [".."] : []),
);

const SettingsSchema = z
  .object({
    CLUSTERS_FILE: z.string().default(path.join(projectRoot, "config", "clusters.yaml")),
    RELEASES_FILE: z.string().default(path.join(projectRoot, "config", "releases.yaml")),
    /** `default`: DefaultAzureCredential (managed identity in Azure); `static-token`: a fixed token (the simulator). */
    AZURE_CREDENTIAL: z.enum(["default", "static-token"]).default("default"),
    AZURE_STATIC_TOKEN: z.string().optional(),
    AZURE_CLIENT_ID: z.string().optional(),
    /** One more CA to trust for ARM and the Kubernetes API (a TLS-inspecting proxy; the simulator). */
    EXTRA_CA_CERT_FILE: z.string().optional(),
    MAIL_DRIVER: z.enum(["acs", "outbox"]).default("acs"),
    MAIL_OUTBOX_DIR: z.string().default(path.join(projectRoot, ".local", "outbox")),
    ACS_ENDPOINT: z.url({ protocol: /^https$/ }).optional(),
    MAIL_SENDER: z.string().default("cluedin-upgrade@localhost"),
    /** HMAC key for approval links; in Azure a Key Vault reference. */
    APPROVAL_SIGNING_KEY: z.string().optional(),
    /** Base URL of this app as approvers reach it, for links in e-mails. */
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:7071"),
    /** Where the CLI driver keeps each command's output, so a later activity can poll it. */
    CLI_STATE_DIR: z.string().default(path.join(projectRoot, ".local", "runs")),
    /**
     * Comma-separated principals (App Service authentication user names or object ids) allowed to plan, start and
     * cancel upgrades, on top of the function key. Empty: the key alone decides.
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
    AUDIT_BLOB_URL: z.url({ protocol: /^https$/ }).optional(),
  })
  .superRefine((s, ctx) => {
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
        message: "required when MAIL_DRIVER=acs (the Communication Services endpoint)",
      });
    if (!s.APPROVAL_SIGNING_KEY || Buffer.byteLength(s.APPROVAL_SIGNING_KEY) < 32)
      ctx.addIssue({
        code: "custom",
        path: ["APPROVAL_SIGNING_KEY"],
        message: "required, at least 32 bytes (a Key Vault reference in Azure)",
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
