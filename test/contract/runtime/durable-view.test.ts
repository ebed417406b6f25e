/**
 * An instance's next episode may run while the journal line of its previous one is still being written (the line
 * follows it in the same journal), but callers only ever see what the journal holds: status, history and list never
 * show an episode whose line is not in the instance's journal yet.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventType, type HistoryEvent } from "../../../local/runtime/index.js";
import { fixture, startRuntime, type TestRuntime } from "./fixtures/harness.js";

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

/** Episode lines ("ep") in the instance's journal file right now. */
function episodeLinesOnDisk(storeDir: string): number {
  const dir = path.join(storeDir, "instances");
  const [file] = readdirSync(dir).filter((name) => name.endsWith(".jsonl"));
  if (!file) return 0;
  return readFileSync(path.join(dir, file), "utf8")
    .split("\n")
    .filter((line) => line.startsWith('{"k":"ep"')).length;
}

const episodesIn = (history: readonly HistoryEvent[]): number =>
  history.filter((e) => e.EventType === EventType.OrchestratorCompleted).length;

describe("what callers see of a running instance", () => {
  it("is never ahead of the journal, though episodes run while earlier lines are written", async () => {
    t = await startRuntime();
    const { runtime, storeDir } = t;
    const id = await runtime.startNew(fixture.orchestrators.chain, { input: 60 });
    let reads = 0;
    let ahead = 0;
    let finished = false;
    const done = runtime.waitForCompletion(id).finally(() => {
      finished = true;
    });
    // Reads between the runtime's own steps (each setImmediate lets one batch of them run).
    while (!finished) {
      const status = await runtime.getStatus(id, { showHistory: true });
      const history = await runtime.history(id);
      const [listed] = await runtime.list({ instanceIdPrefix: id });
      const onDisk = episodeLinesOnDisk(storeDir);
      reads += 1;
      if (episodesIn(history) > onDisk) ahead += 1;
      // The status and the list show the same moment as the history.
      expect(listed?.runtimeStatus).toBe(status?.runtimeStatus);
      expect(status?.runtimeStatus === "Completed").toBe(history.at(-2)?.EventType === EventType.ExecutionCompleted);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(reads).toBeGreaterThan(3);
    expect(ahead).toBe(0);
    const status = await runtime.getStatus(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: 60 });
    expect(episodesIn(await runtime.history(id))).toBe(episodeLinesOnDisk(storeDir));
  });
});
