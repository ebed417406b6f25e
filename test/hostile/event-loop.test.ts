/**
 * Requests that once held the event loop for seconds: bodies a redaction pattern scanned quadratically (runs of
 * `;pwd={`, `eyJa-`, a key of capitals), values files with thousands of keys or lines, YAML syntax soup. Each is
 * answered (a plan or a 4xx) while the loop stays free, alone and eight at a time next to the dashboard. The start
 * route checks values with the same function (functions/inputs.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type Demo } from "../e2e/harness.js";
import { EXTRA_VALUES_LIMITS } from "../../lib/values/input-limits.js";
import {
  CaseCounter,
  expectJsonError,
  expectNoStall,
  instances,
  MAX_EVENT_LOOP_DELAY_MS,
  send,
  type Sent,
  warmUp,
} from "./support.js";

const SIZE = 240_000;
const fill = (unit: string, size = SIZE): string => unit.repeat(Math.floor(size / unit.length));

/** Values texts, each once quadratic (or worse) somewhere between the route and the plan. */
const PATHOLOGICAL: [string, string][] = [
  ["braced connection-string values", `a: "${fill(";pwd={")}"`],
  ["braced token values", `a: "${fill(" token={")}"`],
  ["dash-joined eyJ runs", `a: "${fill("eyJa-")}"`],
  ["a key of capitals", `${fill("A", 100_000)}: 1`],
  ["a line of spaces", `a: "x${" ".repeat(SIZE)}"`],
  ["scheme-like letters", `a: "${fill("password")}"`],
  ["open braces", `a: ${fill("{")}`],
  ["nested braces", `a: ${fill('{"a":')}`],
  ["quotes", `a: ${fill('"')}`],
  ["colons", `a: ${fill(": ")}`],
  ["closing brackets", `a: ${fill("]")}`],
  ["anchors", `a: ${fill("&a ")}`],
  ["lines", fill("a\n", 200_000)],
];

const plan = (values: string): Sent => ({
  method: "POST",
  path: "/api/plans",
  body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00", values }),
  contentType: "application/json",
});

describe("requests that must not hold the event loop", () => {
  let demo: Demo;
  let before: string[];
  const cases = new CaseCounter();

  beforeAll(async () => {
    demo = await startDemo();
    await warmUp(demo);
    before = await instances(demo);
  });
  afterAll(async () => {
    cases.report("event loop");
    await demo.close();
  });

  it.each(PATHOLOGICAL)("%s: the plan answers without a stall", async (_name, values) => {
    const request = plan(values);
    cases.add("POST /api/plans");
    const answer = await send(demo, request);
    if (answer.status === 200) expect(JSON.parse(answer.text)).toHaveProperty("blockers");
    else expectJsonError(answer, request);
  });

  it("values over a cap are refused with 413 and the cap's code, before they are parsed", async () => {
    const over: [string, string, number][] = [
      ["values-too-large", `a: "${"x".repeat(200_000)}"`, EXTRA_VALUES_LIMITS.maxChars],
      [
        "too-many-keys",
        `a: {${Array.from({ length: 4_000 }, (_, i) => `k${i}: ${i}`).join(", ")}}`,
        EXTRA_VALUES_LIMITS.maxKeys,
      ],
      ["too-many-keys", Array.from({ length: 1_500 }, (_, i) => `k${i}: ${i}`).join("\n"), EXTRA_VALUES_LIMITS.maxKeys],
      ["too-many-lines", `a: |\n${"\n".repeat(20_000)}`, EXTRA_VALUES_LIMITS.maxLines],
      ["too-complex", `a: ${'"'.repeat(20_000)}`, EXTRA_VALUES_LIMITS.maxSyntax],
    ];
    for (const [code, values, limit] of over) {
      cases.add("POST /api/plans");
      const answer = await send(demo, plan(values));
      expect(answer.status, code).toBe(413);
      expect(JSON.parse(answer.text), code).toMatchObject({ error: { code, details: { limit } } });
    }
    const within = Array.from({ length: 50 }, (_, i) => `k${i}:\n  name: "value ${i}"`).join("\n");
    cases.add("POST /api/plans");
    expect((await send(demo, plan(within))).status).toBe(200);
  });

  it("eight pathological plans at once leave the dashboard answering", async () => {
    const started = performance.now();
    const answers = PATHOLOGICAL.slice(0, 8).map(([, values]) => send(demo, plan(values)));
    const dashboard = await send(demo, { method: "GET", path: "/api/dashboard" });
    const dashboardMs = performance.now() - started;
    cases.add("POST /api/plans x8 + GET /api/dashboard");
    for (const answer of await Promise.all(answers)) expect(answer.status).toBeLessThan(500);
    expect(dashboard.status).toBe(200);
    expect(dashboardMs).toBeLessThan(8 * MAX_EVENT_LOOP_DELAY_MS);
  });

  it("nothing was started", async () => {
    expect(await instances(demo)).toEqual(before);
  });

  it(`no request held the event loop for ${MAX_EVENT_LOOP_DELAY_MS} ms`, expectNoStall);
});
