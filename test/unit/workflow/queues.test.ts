import { describe, expect, it } from "vitest";
import type { QueueDepth } from "../../../lib/clients/types.js";
import { evaluatePreChecks, evaluateQueues, stuckQueues } from "../../../lib/workflow/checks.js";

const q = (name: string, messages: number, consumers: number): QueueDepth => ({ name, messages, consumers });
const thresholds = { queueDepthMax: 100, stuckQueuesBlock: true };

describe("stuckQueues (upgrade-guide/040: messages but no consumers)", () => {
  it.each<[string, QueueDepth, boolean]>([
    ["messages, no consumer: stuck", q("commit-data-set", 12, 0), true],
    ["empty, no consumer: fine", q("commit-data-set", 0, 0), false],
    ["messages, consumers: draining, not stuck", q("commit-data-set", 500, 2), false],
    ["empty, consumers: fine", q("RemoteEvents_cluedin-server", 0, 1), false],
    ["dead-letter queue without consumers: reported apart", q("DeadLetterCommands", 3, 0), false],
    ["dead-letter messages queue: reported apart", q("CluedIn_DeadLetterMessages_Processing", 5, 0), false],
  ])("%s", (_name, queue, stuck) => {
    expect(stuckQueues([queue])).toEqual(stuck ? [queue] : []);
  });
});

describe("the queue verdicts", () => {
  const obs = (depths: QueueDepth[]) => ({
    ui: { ok: true, status: 200, elapsedMs: 40 },
    pods: { total: 1, ready: 1, completed: 0, healthy: true, problems: [], jobs: [], images: {} },
    logs: { windowSeconds: 300, errorLines: [], applicationStarted: true },
    queues: { ok: true as const, depths },
  });

  it.each<[string, QueueDepth[], { blocks: boolean; waits: boolean }]>([
    ["stuck queue blocks at once, naming it", [q("ingestion-data-set", 240, 0)], { blocks: true, waits: false }],
    ["busy queue with consumers is waited for", [q("ingestion-data-set", 240, 2)], { blocks: false, waits: true }],
    ["idle queues without consumers pass", [q("ingestion-data-set", 0, 0)], { blocks: false, waits: false }],
  ])("pre-check: %s", (_name, depths, expected) => {
    const verdict = evaluatePreChecks(obs(depths), thresholds);
    expect(verdict.blockers.some((b) => b.code === "queues-stuck")).toBe(expected.blocks);
    expect(verdict.waitForQueues).toBe(expected.waits);
  });

  it("names the queue, its messages and its consumers", () => {
    const [blocker] = evaluatePreChecks(obs([q("ingestion-data-set", 240, 0)]), thresholds).blockers;
    expect(blocker?.message).toBe("queues stuck with no consumers: ingestion-data-set (240 messages, 0 consumers)");
  });

  it("runs that predate the rule keep waiting for the queue to drain", () => {
    const verdict = evaluatePreChecks(obs([q("ingestion-data-set", 240, 0)]), { queueDepthMax: 100 });
    expect(verdict.blockers).toEqual([]);
    expect(verdict.waitForQueues).toBe(true);
  });

  it.each<[string, QueueDepth[], boolean | undefined, object]>([
    ["stuck ends the drain as failed", [q("commit-data-set", 5, 0)], true, { done: true, ok: false }],
    ["stuck, rule off: not done (old runs)", [q("commit-data-set", 500, 0)], false, { done: false }],
    ["drained", [q("commit-data-set", 0, 0)], true, { done: true, ok: true }],
    ["busy with consumers", [q("commit-data-set", 500, 2)], true, { done: false }],
  ])("drain: %s", (_name, depths, stuckQueuesBlock, expected) => {
    expect(evaluateQueues(depths, { queueDepthMax: 100, stuckQueuesBlock })).toMatchObject(expected);
  });
});
