/**
 * The command line as scripts use it: a child process against the local app (real clock, fast simulator), its
 * output and its exit codes. Approvals come from the outbox, as an approver would click them.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, exitCodeForHttp, exitCodeForStatus } from "../../cli/exit-codes.js";
import { renderRun } from "../../cli/follow.js";
import { readOutbox } from "../../lib/mail/index.js";
import type { UpgradeResource } from "../../lib/workflow/status.js";
import { startLocalApp, type LocalApp } from "../../local/app.js";

const BIN = path.resolve("cli/bin.mjs");
const APPROVER = "approver@contoso.example";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let app: LocalApp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-cli-"));
  app = await startLocalApp({ dir, port: 0, timeScale: 0.02 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI; `onOutput` sees stdout as it grows and may act on it (approve, reject). */
function cli(args: string[], onOutput?: (stdout: string) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "--url", app.baseUrl, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Decides through the newest link mailed to the approver for run `id`, once it has been mailed. */
async function decide(id: string, decision: "approve" | "reject"): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const link = (await readOutbox(app.outboxDir))
      .filter((m) => m.headers["X-CluedIn-Upgrade-Run"] === id && m.to.includes(APPROVER))
      .flatMap((m) => m.text.match(/https?:\/\/\S+\/api\/approvals#[A-Za-z0-9._%-]+/g) ?? [])
      .at(-1);
    if (link) {
      const [target = "", token = ""] = link.split("#");
      const reply = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          token: decodeURIComponent(token),
          decision,
          reason: `CLI test ${decision}`,
        }).toString(),
      });
      if (reply.status === 200) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no approval link for ${id}`);
}

/** Acts once on the run id the CLI printed, when its output shows the run waiting for a decision. */
function onAwaitingApproval(act: (id: string) => Promise<void>): (stdout: string) => void {
  let acted = false;
  return (stdout) => {
    const id = /started (\S+)/.exec(stdout)?.[1];
    if (id && !acted && /Z awaiting-approval /.test(stdout)) {
      acted = true;
      void act(id);
    }
  };
}

describe("cluedin-upgrade", () => {
  it("is the package's bin, runnable through npx", async () => {
    const { stdout } = await promisify(execFile)("npx", ["--no-install", "cluedin-upgrade", "--help"], {
      cwd: path.resolve("."),
    });
    expect(stdout).toMatch(/Usage: cluedin-upgrade/);
    expect(stdout).toMatch(/start \[options\]/);
  });

  it("plans without changing anything", async () => {
    const text = await cli(["plan", "--cluster", "demo", "--to", "2025.05.00"]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toContain("plan 2024.12.02 → 2025.05.00 (data-upgrade), chart 2.4.2 → 2.5.0");
    expect(text.stdout).toContain("ready: the upgrade can be started");
    const json = await cli(["--json", "plan", "-c", "demo", "-t", "2025.05.00"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, plan: { toRelease: "2025.05.00" } });
  });

  it("exits 2 on bad usage and on input the API rejects, 4 when the API is unreachable", async () => {
    const missing = await cli(["start", "--cluster", "demo"]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain("required option '-t, --to <release>' not specified");
    const invalid = await cli(["status", "NOT_AN_ID"]);
    expect(invalid.code).toBe(EXIT.usage);
    expect(invalid.stderr).toContain("not an upgrade id (invalid-id)");
    const unknown = await cli(["status", "demo-20200101t000000z-abcdef"]);
    expect(unknown.code).toBe(EXIT.failed);
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const gone = await cli(["--url", `http://127.0.0.1:${port}`, "runs"]);
    expect(gone.code).toBe(EXIT.unreachable);
    expect(gone.stderr).toContain(`cannot reach http://127.0.0.1:${port}`);
  });

  it("start --follow shows the run to its end once approved, then status, runs, audit and cancel tell the same story", async () => {
    const run = await cli(
      [
        "start",
        "--cluster",
        "demo",
        "--to",
        "2025.05.00",
        "--follow",
        "--interval",
        "250",
        "--name",
        "Ops",
        "--email",
        "ops@contoso.example",
      ],
      onAwaitingApproval((id) => decide(id, "approve")),
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    const id = /started (\S+)/.exec(run.stdout)![1]!;
    expect(run.stdout).toMatch(/awaiting-approval approval running/);
    expect(run.stdout).toMatch(/✓ verify +\d+ s/);
    expect(run.stdout).toContain("completed: upgraded to 2025.05.00 on chart 2.5.0 with data upgrade Version450");
    expect(run.stdout).toContain(`audit: ${app.baseUrl}/api/upgrades/${id}/audit?format=md`);

    const status = await cli(["status", id]);
    expect(status.code).toBe(EXIT.ok);
    expect(status.stdout).toContain("status completed, elapsed");
    const runs = await cli(["--json", "runs", "--cluster", "demo"]);
    expect((JSON.parse(runs.stdout) as { items: { id: string }[] }).items.map((r) => r.id)).toContain(id);
    const audit = await cli(["audit", id]);
    expect(audit.code).toBe(EXIT.ok);
    expect(audit.stdout).toContain(`| Approved by | ${APPROVER} at `);
    expect(audit.stdout).toMatch(/\| Downtime \| \d+ s, /);
    const cancel = await cli(["cancel", id]);
    expect(cancel.code).toBe(EXIT.failed);
    expect(cancel.stderr).toContain("already ended completed");
  }, 120_000);

  it("start --follow exits 1 when the upgrade is rejected", async () => {
    const run = await cli(
      ["start", "-c", "demo", "-t", "2025.05.02", "--follow", "--interval", "250", "--email", "ops@contoso.example"],
      onAwaitingApproval((id) => decide(id, "reject")),
    );
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toContain("rejected: approval rejected");
  }, 60_000);
});

/** A completed data upgrade of the app's cluster (its snapshot set taken): the earlier test's, or a new one. */
async function completedDataUpgrade(): Promise<string> {
  const runs = await cli(["--json", "runs", "--cluster", "demo", "--status", "completed"]);
  const done = (JSON.parse(runs.stdout) as { items: { id: string; mode?: string }[] }).items.find(
    (r) => r.mode === "data-upgrade",
  );
  if (done) return done.id;
  const run = await cli(
    ["start", "-c", "demo", "-t", "2025.05.00", "--follow", "--interval", "250", "--email", "ops@contoso.example"],
    onAwaitingApproval((id) => decide(id, "approve")),
  );
  expect(run.code).toBe(EXIT.ok);
  return /started (\S+)/.exec(run.stdout)![1]!;
}

describe("cluedin-upgrade restore", () => {
  it("restore --follow puts back a completed run's snapshot set once approved, and exits 0", async () => {
    const runId = await completedDataUpgrade();
    const missing = await cli(["restore", runId]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain("required option '--reason <text>' not specified");
    const run = await cli(
      [
        "restore",
        runId,
        "--reason",
        "CLI test restore",
        "--follow",
        "--interval",
        "250",
        "--email",
        "ops@contoso.example",
      ],
      onAwaitingApproval((id) => decide(id, "approve")),
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain(`started ${runId}-restore`);
    expect(run.stdout).toMatch(/restored: restored from the snapshots of /);
    const again = await cli(["restore", runId, "--reason", "twice", "--email", "ops@contoso.example"]);
    expect(again.code).toBe(EXIT.failed);
    expect(again.stderr).toContain("(restore-exists)");
  }, 120_000);
});

describe("exit codes and the follow screen", () => {
  it.each([
    ["completed", EXIT.ok],
    ["running", EXIT.ok],
    ["failed", EXIT.failed],
    ["rejected", EXIT.failed],
    ["cancelled", EXIT.failed],
    ["halted", EXIT.halted],
  ] as const)("a %s run exits %i", (status, code) => expect(exitCodeForStatus(status)).toBe(code));

  it.each([
    [400, EXIT.usage],
    [401, EXIT.usage],
    [404, EXIT.failed],
    [409, EXIT.failed],
    [502, EXIT.unreachable],
  ])("HTTP %i exits %i", (status, code) => expect(exitCodeForHttp(status)).toBe(code));

  it("lists the stages to come and who is still to decide", () => {
    const run: UpgradeResource = {
      id: "demo-20260105t090000z-abc123",
      cluster: "demo",
      fromRelease: "2024.12.02",
      targetRelease: "2025.05.00",
      mode: "data-upgrade",
      status: "awaiting-approval",
      finished: false,
      stage: "approval",
      stages: [
        { name: "read-values", state: "succeeded", startedAt: "2026-01-05T09:00:00Z", endedAt: "2026-01-05T09:00:00Z" },
        {
          name: "prepare-values",
          state: "succeeded",
          startedAt: "2026-01-05T09:00:00Z",
          endedAt: "2026-01-05T09:00:00Z",
        },
        { name: "pre-checks", state: "succeeded", startedAt: "2026-01-05T09:00:00Z", endedAt: "2026-01-05T09:00:01Z" },
        { name: "approval", state: "running", startedAt: "2026-01-05T09:00:01Z" },
      ],
      approvals: {
        pending: {
          requestId: "r",
          kind: "approval",
          choices: ["approve", "reject"],
          approvers: ["a@x.example", "b@x.example"],
          required: 2,
          decided: [{ approver: "a@x.example", choice: "approve", decidedAt: "2026-01-05T09:00:30Z" }],
          deadline: "2026-01-06T09:00:00Z",
        },
        decisions: [],
      },
      events: [],
      createdAt: "2026-01-05T09:00:00Z",
    };
    const screen = renderRun(run, new Date("2026-01-05T09:01:05Z"));
    expect(screen[1]).toBe("status awaiting-approval, stage approval, elapsed 1 min 05 s");
    expect(screen.slice(2, 8)).toEqual([
      "  ✓ read-values               0 s",
      "  ✓ prepare-values            0 s",
      "  ✓ pre-checks                1 s",
      "  ▶ approval           1 min 04 s",
      "  · downtime-notice",
      "  · upgrade-mode",
    ]);
    expect(screen).toContain(
      "  waiting for approval: 1 of 2; still to decide: b@x.example; deadline 2026-01-06T09:00:00Z",
    );
    expect(screen.at(-1)).toBe("  [#######.................] 3/10 stages");
  });
});
