/**
 * Hostile requests against the real routes of one shared local app: every answer must come within a per-request
 * timeout, never be a 500, and be either a correct result or a 4xx with the contract's error body (JSON routes) or
 * the refusal page (approval links); no bad request may start an orchestration.
 */
import { expect } from "vitest";
import fc from "fast-check";
import type { Demo } from "../e2e/harness.js";

export const REQUEST_TIMEOUT_MS = 10_000;
/** No request may hold the event loop this long: the app runs in this process, so every other route would wait. */
export const MAX_EVENT_LOOP_DELAY_MS = 200;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export interface Sent {
  method: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Cases sent per route, printed at the end of each file. */
export class CaseCounter {
  private readonly counts = new Map<string, number>();
  add(route: string): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }
  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  report(title: string): void {
    const lines = [...this.counts].map(([route, n]) => `  ${route}: ${n}`);
    console.log(`${title}: ${this.total} hostile cases\n${lines.join("\n")}`);
  }
}

/**
 * The longest the event loop stood still while each request was answered: a 10 ms interval whose ticks come late
 * by as much as the loop was held (a drift probe around every `send`). A file of this suite ends with
 * `expectNoStall()`.
 */
export const stalls = {
  worst: { ms: 0, request: "none" },
  count: 0,
  record(ms: number, request: Sent): void {
    this.count++;
    if (process.env.STALL_LOG) console.log(`stall ${ms.toFixed(0)} ms: ${describeRequest(request)}`);
    if (ms > this.worst.ms) this.worst = { ms, request: describeRequest(request) };
  },
};

export function expectNoStall(): void {
  console.log(
    `event loop: worst stall ${stalls.worst.ms.toFixed(0)} ms in ${stalls.count} requests (${stalls.worst.request})`,
  );
  expect(stalls.count).toBeGreaterThan(0);
  expect(stalls.worst.ms, stalls.worst.request).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
}

/** One valid plan outside the watch: the first plan compiles the whole plan path, a cost of the process, not of a request. */
export async function warmUp(demo: Demo): Promise<void> {
  const answer = await sendUnwatched(demo, {
    method: "POST",
    path: "/api/plans",
    body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00", values: "a: 1" }),
    contentType: "application/json",
  });
  expect(answer.status).toBe(200);
}

const PROBE_MS = 10;

export async function send(demo: Demo, request: Sent): Promise<Answer> {
  let last = performance.now();
  let worst = 0;
  const lateBy = (): number => {
    const now = performance.now();
    const late = now - last - PROBE_MS;
    last = now;
    return late;
  };
  const probe = setInterval(() => (worst = Math.max(worst, lateBy())), PROBE_MS);
  try {
    return await sendUnwatched(demo, request);
  } finally {
    clearInterval(probe);
    stalls.record(Math.max(worst, lateBy()), request);
  }
}

async function sendUnwatched(demo: Demo, request: Sent): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;
  const response = await fetch(`${demo.app.baseUrl}${request.path}`, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

const describeRequest = (request: Sent): string =>
  `${request.method} ${request.path.slice(0, 200)} (${request.contentType ?? "no type"}, ${request.body?.length ?? 0} bytes)`;

/** A 4xx with `{"error": {"code", "message", "details"?}}`. */
export function expectJsonError(answer: Answer, request: Sent): void {
  const where = describeRequest(request);
  expect(answer.status, where).toBeGreaterThanOrEqual(400);
  expect(answer.status, where).toBeLessThan(500);
  expect(answer.contentType, where).toContain("application/json");
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, where).toBe("string");
  expect(typeof body.error?.message, where).toBe("string");
}

/** A 4xx refusal page of the approval routes: HTML that says nothing was changed. */
export function expectRefusalPage(answer: Answer, request: Sent): void {
  const where = describeRequest(request);
  expect(answer.status, where).toBeGreaterThanOrEqual(400);
  expect(answer.status, where).toBeLessThan(500);
  if (answer.contentType.includes("application/json")) return expectJsonError(answer, request);
  expect(answer.contentType, where).toContain("text/html");
  expect(answer.text, where).toContain("Nothing was changed.");
}

/** Instance ids and statuses: equal before and after a batch of bad requests means nothing was started. */
export async function instances(demo: Demo): Promise<string[]> {
  return (await demo.app.runtime.list()).map((s) => `${s.instanceId}:${s.runtimeStatus}`).sort();
}

export function expectNoPrototypePollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "isAdmin", "cluster", "targetRelease", "decision"])
    expect(probe[key], `Object.prototype.${key}`).toBeUndefined();
}

/** Keys that attack object handling rather than the schema. */
export const nastyKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "");

/** Strings that stress encoders and parsers: unicode planes, controls, lone surrogates, long runs. */
export const nastyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "\uD800",
    "\uDFFF\uD800",
    "\u202E2025.05.00",
    "ｄｅｍｏ",
    "demo\n",
    " demo",
    "DEMO",
    "demo\u0000",
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "2025.05.00\r\nx-injected: 1",
  ),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => "x".repeat(n)),
);

/** JSON values of every type, nested, with nasty keys mixed in. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    nastyString,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(nastyKey, fc.string({ maxLength: 10 })), tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** A JSON text nested `depth` levels deep around `core`. */
export const deeplyNested = (depth: number, open = "[", core = "", close = "]"): string =>
  open.repeat(depth) + core + close.repeat(depth);

/** Bodies that are not JSON at all, or JSON of the wrong shape. */
export const brokenJsonText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    "",
    "{",
    "}",
    "null",
    "[]",
    '"demo"',
    "{'cluster': 'demo'}",
    '{"cluster": "demo",}',
    '{"cluster": NaN}',
    "\uFEFF{}",
    '{"a":1}{"b":2}',
    deeplyNested(100_000),
    deeplyNested(5_000, '{"a":', "1", "}"),
  ),
);

export const wrongContentType = fc.constantFrom(
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "text/html",
  "application/octet-stream",
  "application/jsonx",
  "json",
);

/** Percent-encodes any string as one path segment (lone surrogates become U+FFFD, as a browser sends them). */
export function pathSegment(raw: string): string {
  return [...Buffer.from(raw, "utf8")]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
}
