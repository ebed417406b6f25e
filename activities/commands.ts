/** Short commands (queue listings) run start-to-finish inside one activity, within a fixed budget. */
import { setTimeout as sleep } from "node:timers/promises";
import type { CommandRunner } from "../lib/clients/runner.js";
import { redactText } from "../lib/redaction/index.js";

const SHORT_COMMAND_BUDGET_MS = 120_000;
const SHORT_COMMAND_POLL_MS = 1_000;

export async function runToCompletion(
  runner: CommandRunner,
  commands: string[][],
): Promise<{ ok: true; logs: string } | { ok: false; reason: string }> {
  const handle = await runner.start(commands, []);
  const deadline = Date.now() + SHORT_COMMAND_BUDGET_MS;
  for (;;) {
    const poll = await runner.poll(handle);
    if (poll.state === "done")
      return poll.exitCode === 0
        ? { ok: true, logs: poll.logs }
        : { ok: false, reason: `exit code ${poll.exitCode}: ${redactText(poll.logs.trim().split("\n").slice(-3).join(" | "))}` };
    if (Date.now() > deadline) return { ok: false, reason: `no result within ${SHORT_COMMAND_BUDGET_MS / 1000} s` };
    await sleep(SHORT_COMMAND_POLL_MS);
  }
}
