/**
 * Hostile approval links and forms on one shared app with a run waiting for approval: random tokens, every kind of
 * mutation of the genuine token, in a link of the older form (GET /api/approvals/<token>) and in the bodies the
 * decision page posts (POST /api/approvals/view, POST /api/approvals), and hostile form bodies with the genuine token. Each answer is a
 * refusal (4xx) within the per-request timeout, and the run is exactly as it was; the genuine link still works.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVER, startDemo, type Demo } from "../e2e/harness.js";
import { awaitingApproval, decisionState, tokenOf } from "../security/support.js";
import {
  CaseCounter,
  expectNoStall,
  expectJsonError,
  expectNoPrototypePollution,
  expectRefusalPage,
  instances,
  MAX_EVENT_LOOP_DELAY_MS,
  nastyString,
  pathSegment,
  send,
  type Sent,
} from "./support.js";

const RUNS = 40;
const FORM = "application/x-www-form-urlencoded";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

type Mutation =
  | { kind: "replace"; at: number; char: string }
  | { kind: "insert"; at: number; char: string }
  | { kind: "delete"; at: number }
  | { kind: "truncate"; at: number }
  | { kind: "swap-segments" }
  | { kind: "case"; at: number };

function mutate(token: string, m: Mutation): string {
  const at = "at" in m ? m.at % (token.length + 1) : 0;
  switch (m.kind) {
    case "replace":
      return token.slice(0, at) + m.char + token.slice(at + 1);
    case "insert":
      return token.slice(0, at) + m.char + token.slice(at);
    case "delete":
      return token.slice(0, at) + token.slice(at + 1);
    case "truncate":
      return token.slice(0, at);
    case "swap-segments": {
      const [v, body, sig] = token.split(".");
      return `${v}.${sig}.${body}`;
    }
    case "case": {
      const c = token[at] ?? "";
      return token.slice(0, at) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + token.slice(at + 1);
    }
  }
}

const tokenChar = fc.oneof(
  fc.constantFrom(...BASE64URL, ".", "=", "+", "/", "%", " "),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), char: tokenChar }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), char: tokenChar }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap-segments" as const) }),
  fc.record({ kind: fc.constant("case" as const), at: fc.nat() }),
);

const randomToken = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BASE64URL, "."), maxLength: 300 }),
  fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `v1.${a}.${b}`),
  nastyString.map((s) => s.slice(0, 3_000)),
);

/** Where a token can be sent: a link of the older form, the page's view, the decision itself. */
const ROUTES = ["legacy-link", "view", "decide"] as const;

function carrying(route: (typeof ROUTES)[number], token: string): Sent {
  if (route === "legacy-link") return { method: "GET", path: `/api/approvals/${pathSegment(token)}` };
  const body = new URLSearchParams({ token, ...(route === "decide" ? { decision: "approve" } : {}) }).toString();
  return { method: "POST", path: route === "view" ? "/api/approvals/view" : "/api/approvals", body, contentType: FORM };
}

/** What the route would accept as a decision: the oracle that keeps genuine decisions out of the hostile set. */
function isGenuineDecision(body: string, token: string): boolean {
  const form = new URLSearchParams(body);
  const keys = [...form.keys()];
  const decision = form.getAll("decision").at(-1);
  return (
    form.getAll("token").at(-1) === token &&
    keys.every((k) => k === "decision" || k === "reason" || k === "token") &&
    (decision === "approve" || decision === "reject") &&
    (form.getAll("reason").at(-1) ?? "").length <= 2000
  );
}

describe("hostile approval links and forms", () => {
  let demo: Demo;
  let id: string;
  let token: string;
  let before: Awaited<ReturnType<typeof decisionState>>;
  let instancesBefore: string[];
  const cases = new CaseCounter();

  async function refused(request: Sent): Promise<void> {
    cases.add(
      `${request.method} ${request.path.startsWith("/api/approvals/") && request.path !== "/api/approvals/view" ? "/api/approvals/{token}" : request.path}`,
    );
    const answer = await send(demo, request);
    // Methods the route does not serve get the host's JSON 404; the route itself answers its refusal page.
    if (request.method === "GET" || request.method === "POST") expectRefusalPage(answer, request);
    else expectJsonError(answer, request);
  }

  beforeAll(async () => {
    demo = await startDemo();
    let link: string;
    ({ id, link } = await awaitingApproval(demo, APPROVER));
    token = tokenOf(link);
    before = await decisionState(demo, id);
    instancesBefore = await instances(demo);
  });
  afterAll(async () => {
    cases.report("approval routes");
    await demo.close();
  });

  it("random tokens, in a link and in the page's bodies, are refused", async () => {
    await fc.assert(
      fc.asyncProperty(randomToken, fc.constantFrom(...ROUTES), async (raw, route) => {
        fc.pre(raw.length > 0);
        await refused(carrying(route, raw));
      }),
      { numRuns: RUNS * 3 },
    );
    expect(await decisionState(demo, id)).toEqual(before);
  });

  it("every mutation of the genuine token, in a link and in the page's bodies, is refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...ROUTES),
        async (ms, route) => {
          const forged = ms.reduce(mutate, token);
          fc.pre(forged !== token && forged.length > 0);
          await refused(carrying(route, forged));
        },
      ),
      { numRuns: RUNS * 3 },
    );
    // The same signature bytes spelled differently (base64's unused trailing bits) are another token too.
    const last = BASE64URL.indexOf(token.at(-1)!);
    const respelled = token.slice(0, -1) + BASE64URL[last ^ 1]!;
    for (const route of ROUTES) await refused(carrying(route, respelled));
    expect(await decisionState(demo, id)).toEqual(before);
  });

  it("other methods on a genuine link and on the page's routes are refused", async () => {
    const body = new URLSearchParams({ token, decision: "approve" }).toString();
    for (const method of ["PUT", "DELETE", "PATCH"])
      for (const path of [`/api/approvals/${token}`, "/api/approvals", "/api/approvals/view"])
        await refused({ method, path, body, contentType: FORM });
    await refused({ method: "POST", path: `/api/approvals/${token}`, body, contentType: FORM });
    expect(await decisionState(demo, id)).toEqual(before);
  });

  it("hostile form bodies with the genuine token are refused with 4xx and decide nothing", async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc
        .array(
          fc.tuple(
            fc.constantFrom("decision", "reason", "__proto__", "constructor", "decision[]", "approver"),
            nastyString,
          ),
          {
            maxLength: 4,
          },
        )
        .map((pairs) =>
          new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v.slice(0, 20_000)])).toString(),
        ),
      fc.constantFrom(
        '{"decision":"approve"}',
        "decision=approve&reason=" + "x".repeat(2_001),
        "decision=approve&reason=" + "y".repeat(17_000),
        "decision=APPROVE",
        "decision=approve%00",
        "decision=retry",
        "decision=%E0%A4%A",
        "decision=approve&__proto__[isAdmin]=1",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(FORM, "text/plain", "application/json", "multipart/form-data; boundary=x"),
        async (text, type) => {
          const body = `token=${encodeURIComponent(token)}&${text}`;
          fc.pre(!isGenuineDecision(body, token));
          await refused({ method: "POST", path: "/api/approvals", body, contentType: type });
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(await decisionState(demo, id)).toEqual(before);
    expect(await instances(demo)).toEqual(instancesBefore);
    expectNoPrototypePollution();
  });

  it("a malformed percent-escape in the token is a 4xx, not a 500", async () => {
    for (const raw of ["%", "%E0%A4%A", `${token}%ZZ`]) await refused({ method: "GET", path: `/api/approvals/${raw}` });
  });

  it("after all that, the genuine link still decides, once", async () => {
    const answer = await send(demo, carrying("decide", token));
    expect(answer.status).toBe(200);
    const after = await decisionState(demo, id);
    expect(after.decisions).toHaveLength(1);
    expect(after.raised).toBe(1);
  });

  it(`no request held the event loop for ${MAX_EVENT_LOOP_DELAY_MS} ms`, expectNoStall);
});
