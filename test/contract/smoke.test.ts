/**
 * The smoke script against the app as `npm start` serves it (same routes as Azure), then against the deployment
 * package: the esbuild bundle stands in for main.ts inside the local app, so the packed app must plan as the source does.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_PATH, buildPackage } from "../../infra/package.js";
import { readOutbox } from "../../lib/mail/index.js";
import { startLocalApp, type LocalApp } from "../../local/app.js";
import { registeredFunctions } from "../../local/runtime/registry.js";
import { compareReleaseTags, parseReleaseCatalog } from "../../lib/catalog/index.js";
import { EXIT, parseSmokeArgs, runSmoke, type SmokeReport } from "../../scripts/smoke.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const TARGET = "2025.05.00";

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

async function smokeCli(args: string[]): Promise<Cli> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/smoke.ts", ...args], {
      cwd: repo,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dir: string;
let app: LocalApp;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-smoke-"));
  app = await startLocalApp({ dir: path.join(dir, "source") });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("smoke against the local app", () => {
  it("passes every check on a healthy deployment", async () => {
    const report = await runSmoke({ appUrl: app.baseUrl, cluster: "demo", target: TARGET });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ["task hub", true],
      ["plan", true],
      ["settings", true],
    ]);
    expect(report.checks[1]?.detail).toMatch(/^2024\.12\.02 \(chart 2\.4\.2\) -> 2025\.05\.00 \(chart 2\.5\.0\)/);
    expect(report.exitCode).toBe(EXIT.ok);
  });

  it("fails the plan check with what to fix when the profile or release is not deployed", async () => {
    const unknownCluster = await runSmoke({ appUrl: app.baseUrl, cluster: "nowhere", target: TARGET });
    expect(unknownCluster.exitCode).toBe(EXIT.failed);
    expect(unknownCluster.checks.find((c) => c.name === "plan")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/config\/clusters\.yaml has no profile named 'nowhere'/),
    });

    const unknownRelease = await runSmoke({ appUrl: app.baseUrl, cluster: "demo", target: "2031.01.00" });
    expect(unknownRelease.exitCode).toBe(EXIT.failed);
    expect(unknownRelease.checks.find((c) => c.name === "plan")?.detail).toMatch(/catalog knows .*2025\.05\.00/);
  });

  it("changes nothing: no upgrade is started and no mail is sent", async () => {
    await runSmoke({ appUrl: app.baseUrl, cluster: "demo", target: TARGET });
    expect(await app.runtime.list({})).toEqual([]);
    expect(await readOutbox(app.outboxDir).catch(() => [])).toEqual([]);
  });

  it("runs from npm: exit 0 on success, without ever printing the function key", async () => {
    const key = "smoke-test-function-key-0123456789";
    const cli = await smokeCli(["--app-url", app.baseUrl, "--cluster", "demo", "--target", TARGET, "--key", key]);
    expect(cli.code).toBe(EXIT.ok);
    expect(cli.stdout).toMatch(/ok {4}plan/);
    expect(cli.stdout).toContain("all checks passed");
    expect(`${cli.stdout}${cli.stderr}`).not.toContain(key);
  }, 60_000);

  it("exits 1 when a check fails, 2 on bad arguments and 3 when the app cannot be reached", async () => {
    const [failed, usage, unreachable] = await Promise.all([
      smokeCli(["--app-url", app.baseUrl, "--cluster", "nowhere", "--target", TARGET]),
      smokeCli(["--cluster", "demo"]),
      closedPort().then((port) => smokeCli(["--app-url", `http://127.0.0.1:${port}`, "--cluster", "demo"])),
    ]);
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stdout).toMatch(/FAIL +plan/);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toMatch(/--app-url/);
    expect(unreachable.code).toBe(EXIT.unreachable);
    expect(unreachable.stdout).toMatch(/could not be reached: .*ECONNREFUSED/);
  }, 60_000);
});

/** Runs the local app in a child process with `../main.js` resolved to the bundle, then the smoke against it. */
const BUNDLED_APP = `
import { registerHooks } from "node:module";
import { pathToFileURL } from "node:url";
const [repo, dir, bundle, target] = process.argv.slice(2);
let redirected = 0;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "../main.js" && context.parentURL?.endsWith("/local/app.ts")) {
      redirected += 1;
      return { url: pathToFileURL(bundle).href, shortCircuit: true };
    }
    return next(specifier, context);
  },
});
const { startLocalApp } = await import(pathToFileURL(repo + "local/app.ts").href);
const { registeredFunctions } = await import(pathToFileURL(repo + "local/runtime/registry.ts").href);
const { runSmoke } = await import(pathToFileURL(repo + "scripts/smoke.ts").href);
const app = await startLocalApp({ dir });
try {
  const report = await runSmoke({ appUrl: app.baseUrl, cluster: "demo", target });
  console.log(JSON.stringify({ redirected, report, functions: registeredFunctions().map((f) => f.name).sort() }));
} finally {
  await app.close();
}
`;

describe("smoke against the deployment package", () => {
  it("serves the same functions and passes the same checks as the source, config/ read from the package", async () => {
    const pkg = await buildPackage(path.join(dir, "package"));
    const script = path.join(dir, "bundled-app.mts");
    await writeFile(script, BUNDLED_APP);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", script, repo, path.join(dir, "bundled"), path.join(pkg.dir, BUNDLE_PATH), TARGET],
      { cwd: repo, timeout: 60_000 },
    );
    const child = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      redirected: number;
      report: SmokeReport;
      functions: string[];
    };
    expect(child.redirected).toBe(1);
    expect(child.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(child.report.exitCode).toBe(EXIT.ok);
    expect(child.functions).toEqual(
      registeredFunctions()
        .map((f) => f.name)
        .sort(),
    );
  }, 90_000);
});

describe("smoke arguments and requests", () => {
  it("reads the key and token from the environment and targets the newest catalog release by default", async () => {
    const catalog = parseReleaseCatalog(await readFile(path.join(repo, "config", "releases.yaml"), "utf8"));
    const newest = catalog.ok
      ? catalog.value.releases
          .map((r) => r.tag)
          .sort(compareReleaseTags)
          .at(-1)
      : undefined;
    const parsed = await parseSmokeArgs(["--app-url", "https://app.example", "--cluster", "prod"], {
      SMOKE_FUNCTION_KEY: "key-from-env",
      SMOKE_BEARER_TOKEN: "token-from-env",
    });
    expect(parsed).toEqual({
      ok: true,
      options: {
        appUrl: "https://app.example",
        cluster: "prod",
        target: newest,
        timeoutMs: 120_000,
        key: "key-from-env",
        bearer: "token-from-env",
      },
    });
  });

  it.each([
    [["--app-url", "ftp://app.example", "--cluster", "prod"], /--app-url/],
    [["--app-url", "https://app.example"], /--cluster/],
    [["--app-url", "https://app.example", "--cluster", "prod", "--target", "latest"], /--target/],
    [["--app-url", "https://app.example", "--cluster", "prod", "--timeout", "soon"], /--timeout/],
    [["--app-url", "https://app.example", "--cluster", "prod", "--force"], /force/],
  ])("refuses %j", async (args, message) => {
    const parsed = await parseSmokeArgs(args, {});
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toMatch(message);
  });

  it("sends the function key and the token as headers, never in the URL", async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = createHttpServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const report = await runSmoke({
        appUrl: `http://127.0.0.1:${port}`,
        cluster: "prod",
        target: TARGET,
        key: "k-123",
        bearer: "t-456",
      });
      expect(report.exitCode).toBe(EXIT.failed);
      expect(report.checks[0]?.detail).toMatch(/function key was refused or missing/);
      expect(seen).toHaveLength(3);
      for (const request of seen) {
        expect(request.headers["x-functions-key"]).toBe("k-123");
        expect(request.headers.authorization).toBe("Bearer t-456");
        expect(request.url).not.toMatch(/k-123|t-456/);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
