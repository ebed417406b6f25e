/**
 * Smoke test of a deployed app that changes nothing: lists the cluster's upgrades (the task hub answers), asks for a
 * plan (the cluster profile, the release catalog, the identity's access to the cluster) and opens an invalid approval
 * link (the settings and the signing key load). Each answer's shape is checked, and failures say what to fix.
 *
 *   npm run smoke -- --app-url https://<app>.azurewebsites.net --cluster prod [--key <function key>]
 *                    [--target 2025.05.00] [--timeout 120]
 *
 * The function key may come from SMOKE_FUNCTION_KEY instead, to keep it out of shell history; it is never printed.
 * Behind App Service authentication, SMOKE_BEARER_TOKEN supplies an Entra ID token for the app registration.
 * Exit codes: 0 every check passed, 1 a check failed, 2 bad arguments, 3 the app could not be reached.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { compareReleaseTags, isReleaseTag, parseReleaseCatalog } from "../lib/catalog/index.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export interface SmokeOptions {
  appUrl: string;
  cluster: string;
  target: string;
  key?: string;
  /** An Entra ID access token for App Service authentication, when it is on. */
  bearer?: string;
  timeoutMs?: number;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SmokeReport {
  checks: SmokeCheck[];
  exitCode: (typeof EXIT)[keyof typeof EXIT];
}

const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const ListAnswerSchema = z.object({
  items: z.array(z.object({ id: z.string(), cluster: z.string(), status: z.string() }).loose()),
});

const FindingSchema = z.object({ code: z.string(), message: z.string() }).loose();

const PlanAnswerSchema = z.object({
  cluster: z.string(),
  current: z.object({ revision: z.number().int(), status: z.string(), chartVersion: z.string() }).loose(),
  ok: z.boolean(),
  plan: z
    .object({
      cluster: z.object({ name: z.string() }).loose(),
      fromRelease: z.string(),
      fromChart: z.string(),
      fromRevision: z.number().int(),
      toRelease: z.string(),
      toChart: z.string(),
      mode: z.enum(["basic", "data-upgrade"]),
      valuesFile: z.string(),
      diffSha256: z.string().regex(/^[0-9a-f]{64}$/),
      ready: z.boolean(),
      warnings: z.array(FindingSchema),
      blockers: z.array(FindingSchema),
    })
    .loose()
    .nullable(),
  blockers: z.array(FindingSchema),
});

class Unreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unreachable";
  }
}

interface Answer {
  status: number;
  contentType: string;
  location: string;
  text: string;
  json: unknown;
}

function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

async function call(options: SmokeOptions, method: string, route: string, body?: unknown): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const url = new URL(route, options.appUrl);
  const headers: Record<string, string> = { accept: "application/json, text/html" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.key) headers["x-functions-key"] = options.key;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new Unreachable(`${method} ${url.pathname}: ${networkProblem(error, timeoutMs)}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const header = (name: string): string => response.headers.get(name) ?? "";
  return { status: response.status, contentType: header("content-type"), location: header("location"), text, json };
}

/** What a refusal means for a deployment, in the words of what to check. */
function explain(answer: Answer, cluster: string): string {
  const error = ErrorBodySchema.safeParse(answer.json);
  const code = error.success ? error.data.error.code : undefined;
  const message = error.success ? error.data.error.message : answer.text.slice(0, 200).trim();
  if (answer.status === 302 && answer.location.includes("/.auth/login"))
    return "App Service authentication asks for a sign-in: set SMOKE_BEARER_TOKEN to a token for the app registration";
  if (answer.status === 401 && code === "unauthenticated")
    return "OPERATOR_PRINCIPALS is set: this route needs a signed-in operator on top of the function key";
  if (answer.status === 401 || (answer.status === 403 && !code))
    return "the function key was refused or missing: pass --key (az functionapp keys list -g <rg> -n <app>)";
  if (code === "unknown-cluster") return `the deployed config/clusters.yaml has no profile named '${cluster}'`;
  if (code === "unknown-release") {
    const known = error.success ? (error.data.error.details as { known?: string[] } | undefined)?.known : undefined;
    return `${message}${known ? ` (the deployed catalog knows ${known.join(", ")})` : ""}`;
  }
  if (code === "cluster-unreachable")
    return `${message}. Check the app identity's roles on the cluster (docs/deploy.md) and its network reach`;
  if (answer.status === 404) return "no such route: is --app-url the cluedin-upgrade app?";
  if (answer.status >= 500 && !code)
    return `the app failed (HTTP ${answer.status}): usually a setting, named in its log after 'invalid configuration'`;
  return `HTTP ${answer.status}${code ? ` ${code}` : ""}: ${message}`;
}

async function checkTaskHub(options: SmokeOptions): Promise<SmokeCheck> {
  const name = "task hub";
  const answer = await call(options, "GET", `/api/upgrades?cluster=${encodeURIComponent(options.cluster)}`);
  if (answer.status !== 200) return { name, ok: false, detail: explain(answer, options.cluster) };
  const list = ListAnswerSchema.safeParse(answer.json);
  if (!list.success)
    return { name, ok: false, detail: `the upgrade list has an unexpected shape: ${list.error.message}` };
  const latest = list.data.items[0] ? `, latest ${list.data.items[0].id} (${list.data.items[0].status})` : "";
  return {
    name,
    ok: true,
    detail: `${list.data.items.length} upgrade(s) of ${options.cluster} on record${latest}`,
  };
}

async function checkPlan(options: SmokeOptions): Promise<SmokeCheck> {
  const name = "plan";
  const answer = await call(options, "POST", "/api/plans", { cluster: options.cluster, targetRelease: options.target });
  if (answer.status !== 200) return { name, ok: false, detail: explain(answer, options.cluster) };
  const parsed = PlanAnswerSchema.safeParse(answer.json);
  if (!parsed.success) return { name, ok: false, detail: `the plan has an unexpected shape: ${parsed.error.message}` };
  const { cluster, current, plan, blockers } = parsed.data;
  const wrong = [
    cluster !== options.cluster && `it plans for cluster ${cluster}`,
    "valuesYaml" in current && "it returned the cluster's Helm values, which may hold secrets",
    plan && plan.cluster.name !== options.cluster && `its plan names cluster ${plan.cluster.name}`,
    plan && plan.toRelease !== options.target && `its plan targets ${plan.toRelease}`,
    plan &&
      (plan.fromChart !== current.chartVersion || plan.fromRevision !== current.revision) &&
      "its plan does not start from the deployed revision",
  ].filter((problem): problem is string => typeof problem === "string");
  if (wrong.length > 0) return { name, ok: false, detail: `the plan is inconsistent: ${wrong.join("; ")}` };
  const state =
    blockers.length === 0 ? "ready for approval" : `not ready: ${blockers.map((b) => b.message).join("; ")}`;
  const summary = plan
    ? `${plan.fromRelease} (chart ${plan.fromChart}) -> ${plan.toRelease} (chart ${plan.toChart}), ${plan.mode}`
    : `revision ${current.revision} (chart ${current.chartVersion}) -> ${options.target}`;
  return { name, ok: true, detail: `${summary}; ${state}` };
}

async function checkSigningKey(options: SmokeOptions): Promise<SmokeCheck> {
  const name = "settings";
  const answer = await call(options, "GET", "/api/approvals/smoke-test-not-a-token");
  if (answer.status === 403 && answer.contentType.startsWith("text/html"))
    return { name, ok: true, detail: "settings load; an invalid approval link is refused by the signing key" };
  if (answer.status >= 500)
    return { name, ok: false, detail: `${explain(answer, options.cluster)} (APPROVAL_SIGNING_KEY, ACS_ENDPOINT, ...)` };
  return { name, ok: false, detail: `an invalid approval link got HTTP ${answer.status}; expected 403 and a page` };
}

export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const checks: SmokeCheck[] = [];
  for (const [name, check] of [
    ["task hub", checkTaskHub],
    ["plan", checkPlan],
    ["settings", checkSigningKey],
  ] as const) {
    try {
      checks.push(await check(options));
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      checks.push({ name, ok: false, detail: `the app could not be reached: ${error.message}` });
      return { checks, exitCode: EXIT.unreachable };
    }
  }
  return { checks, exitCode: checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed };
}

const USAGE = `usage: npm run smoke -- --app-url <https://app> --cluster <profile> [--key <function key>]
                      [--target <release>] [--timeout <seconds>]`;

/** The newest release of the catalog shipped with the app: the default target. */
async function newestRelease(): Promise<string | undefined> {
  const file = fileURLToPath(new URL("../config/releases.yaml", import.meta.url));
  const catalog = parseReleaseCatalog(await readFile(file, "utf8"));
  if (!catalog.ok) return undefined;
  return catalog.value.releases
    .map((r) => r.tag)
    .sort(compareReleaseTags)
    .at(-1);
}

const parseOptions = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "app-url": { type: "string" },
      cluster: { type: "string" },
      key: { type: "string" },
      target: { type: "string" },
      timeout: { type: "string" },
    },
  });

export async function parseSmokeArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: true; options: SmokeOptions } | { ok: false; message: string }> {
  let values: ReturnType<typeof parseOptions>["values"];
  try {
    ({ values } = parseOptions(argv));
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const appUrl = values["app-url"];
  if (!appUrl || !URL.canParse(appUrl) || !/^https?:$/.test(new URL(appUrl).protocol))
    return { ok: false, message: "--app-url must be the app's http(s) URL" };
  if (!values.cluster) return { ok: false, message: "--cluster is required: a profile of config/clusters.yaml" };
  const target = values.target ?? (await newestRelease());
  if (!target || !isReleaseTag(target)) return { ok: false, message: "--target must be a release such as 2025.05.00" };
  const timeoutSeconds = Number(values.timeout ?? 120);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    return { ok: false, message: "--timeout must be a number of seconds" };
  const key = values.key ?? env.SMOKE_FUNCTION_KEY;
  const bearer = env.SMOKE_BEARER_TOKEN;
  return {
    ok: true,
    options: {
      appUrl,
      cluster: values.cluster,
      target,
      timeoutMs: timeoutSeconds * 1000,
      ...(key ? { key } : {}),
      ...(bearer ? { bearer } : {}),
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = await parseSmokeArgs(argv);
  if (!parsed.ok) {
    console.error(`${parsed.message}\n${USAGE}`);
    return EXIT.usage;
  }
  const { options } = parsed;
  console.log(`smoke test of ${options.appUrl} (cluster ${options.cluster}, target ${options.target})`);
  const report = await runSmoke(options);
  for (const check of report.checks)
    console.log(`  ${(check.ok ? "ok" : "FAIL").padEnd(5)} ${check.name.padEnd(9)} ${check.detail}`);
  const failed = report.checks.filter((c) => !c.ok).length;
  console.log(failed === 0 ? "all checks passed" : `${failed} of ${report.checks.length} check(s) failed`);
  return report.exitCode;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
