import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CliRunner, cliScript, localArgv } from "../../../lib/clients/cli-runner.js";
import type { CommandHandle, CommandPoll } from "../../../lib/clients/types.js";

/**
 * Stand-ins for helm and kubectl (neither can be installed here): they print their arguments, what they find in
 * their working directory and the kubeconfig's mode and token; `sleep` and `fail` arguments delay or fail them.
 */
const standIn = (name: string): string => `#!/bin/sh
kubeconfig="$2"
echo "${name} $*"
echo "kubeconfig mode $(stat -c %a "$kubeconfig") token $(grep -c 'token: cli-test-token' "$kubeconfig")"
for f in *.yml; do [ -e "$f" ] && echo "file $f mode $(stat -c %a "$f") $(cat "$f")"; done
case " $* " in *" sleep "*) sleep 1 ;; esac
case " $* " in *" fail "*) echo "Error: UPGRADE FAILED: stand-in told to fail" >&2; exit 3 ;; esac
exit 0
`;

let workDir: string;
let binaries: { helm: string; kubectl: string };

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("CA").toString("base64") }],
    users: [{ name: "u", token: "cli-test-token" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return kc;
}

async function pollUntilDone(
  runner: CliRunner,
  handle: CommandHandle,
): Promise<{ polls: CommandPoll[]; done: CommandPoll }> {
  const polls: CommandPoll[] = [];
  for (let i = 0; i < 200; i++) {
    const poll = await runner.poll(handle);
    polls.push(poll);
    if (poll.state === "done") return { polls, done: poll };
    await sleep(50);
  }
  throw new Error("the command never finished");
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "cli-runner-"));
  binaries = { helm: path.join(workDir, "bin", "helm"), kubectl: path.join(workDir, "bin", "kubectl") };
  await mkdir(path.join(workDir, "bin"));
  for (const [name, file] of Object.entries(binaries)) {
    await writeFile(file, standIn(name));
    await chmod(file, 0o755);
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("CliRunner", () => {
  it("runs the commands with a private kubeconfig and the files, then deletes both", async () => {
    const stateDir = path.join(workDir, "runs-ok");
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir, binaries });
    const handle = await runner.start(
      [
        ["helm", "upgrade", "cluedin-platform", "-n", "cluedin", "--values", "values-dev.yml"],
        ["kubectl", "get", "pods", "-n", "cluedin"],
      ],
      [{ name: "values-dev.yml", content: "global: {image: {tag: '2025.05.00'}}" }],
    );
    expect(handle).toMatchObject({ driver: "cli" });
    const { done } = await pollUntilDone(runner, handle);
    expect(done.state).toBe("done");
    if (done.state !== "done") return;
    expect(done.exitCode).toBe(0);
    const lines = done.logs.trim().split("\n");
    const runDir = path.join(stateDir, handle.driver === "cli" ? handle.runId : "");
    expect(lines.some((line) => line.includes(" repo "))).toBe(false);
    expect(lines).toContain(
      `helm --kubeconfig ${runDir}/kubeconfig.yaml upgrade cluedin-platform -n cluedin --values values-dev.yml`,
    );
    expect(lines).toContain(`kubectl --kubeconfig ${runDir}/kubeconfig.yaml get pods -n cluedin`);
    expect(lines).toContain("kubeconfig mode 600 token 1");
    expect(lines).toContain("file values-dev.yml mode 600 global: {image: {tag: '2025.05.00'}}");
    expect((await readdir(runDir)).sort()).toEqual(["exit-code", "output.log", "pid"]);
  });

  it("stops at the first failing command and reports its exit code and error", async () => {
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir: path.join(workDir, "runs-fail"), binaries });
    const handle = await runner.start(
      [
        ["helm", "rollback", "cluedin-platform", "fail"],
        ["kubectl", "never-runs"],
      ],
      [],
    );
    const { done } = await pollUntilDone(runner, handle);
    expect(done).toMatchObject({ state: "done", exitCode: 3 });
    if (done.state !== "done") return;
    expect(done.logs).toContain("Error: UPGRADE FAILED: stand-in told to fail");
    expect(done.logs).not.toContain("never-runs");
  });

  it("lets another runner instance poll the run: running at first, then the result", async () => {
    const stateDir = path.join(workDir, "runs-shared");
    const handle = await new CliRunner({ kubeConfig: kubeConfig(), stateDir, binaries }).start(
      [["kubectl", "sleep"]],
      [],
    );
    const other = new CliRunner({ kubeConfig: kubeConfig(), stateDir, binaries });
    const { polls, done } = await pollUntilDone(other, handle);
    expect(polls[0]).toEqual({ state: "running" });
    expect(done).toMatchObject({ state: "done", exitCode: 0 });
    expect(await other.poll(handle)).toEqual(done);
  });

  it("reports a run whose process died without an exit code, and removes its secrets", async () => {
    const stateDir = path.join(workDir, "runs-killed");
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir, binaries });
    const handle = await runner.start([["kubectl", "sleep"]], [{ name: "values.yml", content: "secret: x" }]);
    if (handle.driver !== "cli") throw new Error("expected a cli handle");
    const runDir = path.join(stateDir, handle.runId);
    const pid = Number(await readFile(path.join(runDir, "pid"), "utf8"));
    // Kill it once it runs (its shell has opened the log), not while the shell is still starting.
    for (let i = 0; i < 50 && !(await readdir(runDir)).includes("output.log"); i++) await sleep(20);
    process.kill(-pid, "SIGKILL");
    await sleep(100);
    const poll = await runner.poll(handle);
    expect(poll).toMatchObject({ state: "done", exitCode: -1 });
    expect((await readdir(runDir)).sort()).toEqual(["output.log", "pid"]);
  });

  it("refuses foreign handles, malformed run ids and unknown runs", async () => {
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir: path.join(workDir, "runs-none"), binaries });
    const startedAt = new Date().toISOString();
    await expect(runner.poll({ driver: "run-command", commandId: "x", startedAt })).rejects.toThrow(/not a cli handle/);
    await expect(runner.poll({ driver: "cli", runId: "../../etc", startedAt })).rejects.toThrow(/invalid cli run id/);
    await expect(runner.poll({ driver: "cli", runId: "20260105T090000000Z-0123abcd", startedAt })).rejects.toThrow(
      /unknown cli run/,
    );
  });

  it("refuses programs other than helm and kubectl, and unsafe file names", async () => {
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir: path.join(workDir, "runs-refused"), binaries });
    await expect(runner.start([["sh", "-c", "id"]], [])).rejects.toThrow(/helm or kubectl/);
    await expect(runner.start([["helm", "list"]], [{ name: "../x.yml", content: "" }])).rejects.toThrow(/file name/);
  });
});

describe("cli pieces", () => {
  it("puts the local binary and --kubeconfig in front of the arguments", () => {
    expect(localArgv(["helm", "list", "-a"], { helm: "/opt/helm", kubectl: "k" }, "/tmp/kc")).toEqual([
      "/opt/helm",
      "--kubeconfig",
      "/tmp/kc",
      "list",
      "-a",
    ]);
  });

  it("writes a script that records output and exit code and deletes the secrets", () => {
    const script = cliScript([["/opt/helm", "list"]], ["kubeconfig.yaml", "values.yml"]);
    expect(script).toBe(
      [
        "{ /opt/helm list ; } > output.log 2>&1",
        "code=$?",
        "rm -f kubeconfig.yaml values.yml",
        "printf '%s\\n' \"$code\" > exit-code.tmp && mv exit-code.tmp exit-code",
      ].join("\n"),
    );
  });

  it("writes a kubeconfig helm can read", async () => {
    const stateDir = path.join(workDir, "runs-kubeconfig");
    const copy = path.join(workDir, "kubeconfig-copy.yaml");
    const catter = path.join(workDir, "bin", "kubectl-cat");
    await writeFile(catter, `#!/bin/sh\ncp "$2" ${copy}\n`);
    await chmod(catter, 0o755);
    const runner = new CliRunner({ kubeConfig: kubeConfig(), stateDir, binaries: { kubectl: catter } });
    await pollUntilDone(runner, await runner.start([["kubectl", "version"]], []));
    const written = parse(await readFile(copy, "utf8")) as { clusters: { cluster: { server: string } }[] };
    expect(written.clusters[0]?.cluster.server).toBe("https://127.0.0.1:6443");
  });
});
