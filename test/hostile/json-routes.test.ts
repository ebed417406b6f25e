/**
 * Hostile bodies and queries for the JSON routes (plans, upgrades, cancel, list) on one shared app: wrong types,
 * huge and unicode strings, prototype-pollution keys, deep nesting, invalid JSON, wrong content types. Each answer
 * is a correct result or a 4xx error body, within the per-request timeout, and no bad request starts a run.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "../../local/runtime/index.js";
import { CANCEL_EVENT } from "../../lib/workflow/orchestrations.js";
import { CancelRequestSchema } from "../../lib/workflow/requests.js";
import { APPROVER, REQUESTER, startDemo, type Demo } from "../e2e/harness.js";
import {
  brokenJsonText,
  CaseCounter,
  expectNoStall,
  expectJsonError,
  expectNoPrototypePollution,
  instances,
  MAX_EVENT_LOOP_DELAY_MS,
  nastyJson,
  nastyKey,
  nastyString,
  pathSegment,
  send,
  wrongContentType,
  type Sent,
  warmUp,
} from "./support.js";

const RUNS = 40;
const JSON_TYPE = "application/json";
const VALID_START = { cluster: "demo", targetRelease: "2025.05.00", requestedBy: REQUESTER };

/** One change that makes a valid start request invalid: the oracle for "must be refused". */
const brokenStart: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ cluster: fc.oneof(nastyString, nastyJson).filter((v) => v !== "demo") }),
  fc.record({
    targetRelease: fc.oneof(nastyString, nastyJson, fc.constantFrom("2099.01.00", "2025.5.0", "2025.13.00")),
  }),
  fc.record({
    notBefore: fc.oneof(nastyString, fc.constantFrom("2999-01-01T00:00:00Z", "tomorrow", "2026-13-45T99:00:00Z")),
  }),
  fc.record({
    values: fc.oneof(
      nastyJson.filter((v) => typeof v !== "string"),
      fc.constantFrom(
        "application:\n\tcluedin: {}\n",
        "infrastructure:\n  mssql:\n    sapassword: hunter2hunter2\n",
        "global:\n  image:\n    tag: 2020.01.00\n",
        "a: 1\na: 2\n",
        "a: [\n",
      ),
    ),
  }),
  fc.record({ allowChain: nastyJson.filter((v) => typeof v !== "boolean" && v !== undefined) }),
  fc.record({
    requestedBy: fc.oneof(
      nastyJson.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
      fc.record({ name: fc.constant(""), email: fc.constant("not-an-address") }),
      fc.record({ name: fc.constant("Ops"), email: fc.constant("ops@contoso.example"), isAdmin: fc.constant(true) }),
    ),
  }),
  fc
    .tuple(nastyKey, nastyJson)
    .map(
      ([key, value]) =>
        JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}}`) as Record<string, unknown>,
    ),
);

describe("hostile requests to the JSON routes", () => {
  let demo: Demo;
  let before: string[];
  const cases = new CaseCounter();

  async function refused(request: Sent): Promise<void> {
    cases.add(`${request.method} ${request.path.replace(/upgrades\/[^/?]+\/cancel/, "upgrades/{id}/cancel")}`);
    expectJsonError(await send(demo, request), request);
  }

  beforeAll(async () => {
    demo = await startDemo();
    await warmUp(demo);
    before = await instances(demo);
  });
  afterAll(async () => {
    cases.report("JSON routes");
    await demo.close();
  });

  it("POST /api/plans: any JSON body answers a plan or a 4xx error body", async () => {
    const body = fc.oneof(
      nastyJson,
      fc.record(
        {
          cluster: fc.oneof(fc.constant("demo"), nastyString, nastyJson),
          targetRelease: fc.oneof(fc.constantFrom("2025.05.00", "2024.12.02", "2099.01.00"), nastyString, nastyJson),
          values: fc.oneof(nastyString, nastyJson),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const request: Sent = {
          method: "POST",
          path: "/api/plans",
          body: JSON.stringify(value) ?? "null",
          contentType: JSON_TYPE,
        };
        cases.add("POST /api/plans");
        const answer = await send(demo, request);
        if (answer.status === 200) expect(JSON.parse(answer.text)).toHaveProperty("plan");
        else expectJsonError(answer, request);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(await instances(demo)).toEqual(before);
  });

  it("POST /api/upgrades: every invalid body is refused with 4xx and starts nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          brokenStart.map((patch) => ({ ...VALID_START, ...patch })),
          nastyJson,
        ),
        async (value) => {
          await refused({
            method: "POST",
            path: "/api/upgrades",
            body: JSON.stringify(value) ?? "null",
            contentType: JSON_TYPE,
          });
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(await instances(demo)).toEqual(before);
    expectNoPrototypePollution();
  });

  it("invalid JSON, wrong content types and oversized bodies on every JSON route: 4xx, nothing started", async () => {
    const paths = fc.constantFrom("/api/plans", "/api/upgrades", "/api/upgrades/demo-20260105t090000z-abcdef/cancel");
    await fc.assert(
      fc.asyncProperty(paths, brokenJsonText, async (path, text) => {
        await refused({ method: "POST", path, body: text === "" ? "x" : text, contentType: JSON_TYPE });
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(paths, wrongContentType, async (path, type) => {
        await refused({ method: "POST", path, body: JSON.stringify(VALID_START), contentType: type });
      }),
      { numRuns: 20 },
    );
    for (const path of ["/api/plans", "/api/upgrades", "/api/upgrades/demo-20260105t090000z-abcdef/cancel"]) {
      const huge = JSON.stringify({ ...VALID_START, values: "a: b\n".repeat(260_000) });
      await refused({ method: "POST", path, body: huge, contentType: JSON_TYPE });
      await refused({ method: "POST", path, body: new Uint8Array(1_100_000).fill(0x7b), contentType: JSON_TYPE });
    }
    expect(await instances(demo)).toEqual(before);
    expectNoPrototypePollution();
  });

  it("POST /api/upgrades/{id}/cancel with hostile ids: 4xx", async () => {
    const id = fc.oneof(
      nastyString.filter((s) => s.length > 0 && s.length < 2000),
      fc.constantFrom("lock-demo", "..", "demo-x"),
    );
    await fc.assert(
      fc.asyncProperty(id, async (raw) => {
        await refused({ method: "POST", path: `/api/upgrades/${pathSegment(raw)}/cancel` });
      }),
      { numRuns: RUNS },
    );
    expect(await instances(demo)).toEqual(before);
  });

  it("GET /api/upgrades with hostile query strings: a list or a 4xx", async () => {
    const query = fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom("cluster", "status"), nastyKey, nastyString),
        fc.oneof(nastyString, fc.constantFrom("demo", "running", "completed")),
      ),
      {
        maxLength: 4,
      },
    );
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const path = `/api/upgrades?${new URLSearchParams(pairs).toString()}`.slice(0, 8_000);
        cases.add("GET /api/upgrades?query");
        const request: Sent = { method: "GET", path };
        const answer = await send(demo, request);
        if (answer.status === 200) expect(JSON.parse(answer.text)).toEqual({ items: expect.any(Array) });
        else expectJsonError(answer, request);
      }),
      { numRuns: RUNS },
    );
    expect(await instances(demo)).toEqual(before);
  });

  describe("with a run waiting for approval", () => {
    let id: string;

    it("a valid start still works after all that, and the lock refuses a second with 409", async () => {
      id = await demo.start("2025.05.00");
      await demo.until(id, (r) => r.status === "awaiting-approval");
      const second = await send(demo, {
        method: "POST",
        path: "/api/upgrades",
        body: JSON.stringify(VALID_START),
        contentType: JSON_TYPE,
      });
      expect(second.status).toBe(409);
      expect(JSON.parse(second.text)).toMatchObject({ error: { code: "upgrade-running", details: { runningId: id } } });
    });

    it("hostile cancel bodies for the waiting run are refused and the run keeps waiting", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(nastyJson, fc.record({ reason: nastyJson, by: nastyJson }, { requiredKeys: [] })),
          async (value) => {
            fc.pre(!CancelRequestSchema.safeParse(value).success);
            await refused({
              method: "POST",
              path: `/api/upgrades/${id}/cancel`,
              body: JSON.stringify(value) ?? "null",
              contentType: JSON_TYPE,
            });
          },
        ),
        { numRuns: RUNS },
      );
      await demo.app.runtime.whenIdle();
      const run = await demo.run(id);
      expect(run.status).toBe("awaiting-approval");
      const raised = (await demo.app.runtime.history(id)).filter((e) => e.EventType === EventType.EventRaised);
      expect(raised.map((e) => e.Name)).not.toContain(CANCEL_EVENT);
      expect((await demo.links(id, APPROVER)).length).toBe(1);
      expectNoPrototypePollution();
    });

    it("the genuine cancel still ends the run", async () => {
      expect((await demo.api("POST", `/api/upgrades/${id}/cancel`, { reason: "done testing" })).status).toBe(202);
      expect((await demo.finished(id)).status).toBe("cancelled");
    });
  });

  it(`no request held the event loop for ${MAX_EVENT_LOOP_DELAY_MS} ms`, expectNoStall);
});
