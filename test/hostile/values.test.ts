/**
 * Hostile values files in the `values` field: tabs, anchor/alias bombs, duplicate keys, binary, deep nesting, sizes
 * up to and past 1 MiB, YAML token soup. The dry run (`POST /api/plans`) answers a plan or a 4xx in time; a start
 * (`POST /api/upgrades`) with a values file that must be refused is refused with 4xx and starts nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type Demo, REQUESTER } from "../e2e/harness.js";
import {
  CaseCounter,
  expectNoStall,
  expectJsonError,
  instances,
  MAX_EVENT_LOOP_DELAY_MS,
  REQUEST_TIMEOUT_MS,
  send,
  type Sent,
  warmUp,
} from "./support.js";

const RUNS = 30;
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);
const scalar = fc.oneof(key, fc.integer(), fc.boolean());

/** A small mapping rendered as block YAML, one line per leaf. */
const mappingLines = fc
  .array(fc.tuple(key, key, scalar), { minLength: 2, maxLength: 6 })
  .map((rows) => rows.map(([a, b, v]) => `${a}:\n  ${b}: ${String(v)}`));

/** Values files the app must refuse, with the reason they are bad. */
const refusedValues: fc.Arbitrary<[string, string]> = fc.oneof(
  mappingLines.chain((lines) =>
    fc
      .nat({ max: lines.length - 1 })
      .map((i): [string, string] => ["tab", lines.map((l, j) => (j === i ? l.replace("\n  ", "\n\t") : l)).join("\n")]),
  ),
  fc.tuple(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 5, max: 12 })).map(([levels, fan]): [string, string] => {
    const lines = ["l0: &l0 [lol, lol]"];
    for (let i = 1; i <= levels; i++)
      lines.push(`l${i}: &l${i} [${Array.from({ length: fan }, () => `*l${i - 1}`).join(", ")}]`);
    return ["alias bomb", lines.join("\n")];
  }),
  fc
    .tuple(key, scalar, scalar)
    .map(([k, a, b]): [string, string] => ["duplicate key", `${k}: ${String(a)}\nother: 1\n${k}: ${String(b)}`]),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat()).map(([bytes, at]): [string, string] => {
    const text = Buffer.from(bytes).toString("latin1");
    const i = at % (text.length + 1);
    return ["binary", `${text.slice(0, i)}\u0000${text.slice(i)}`];
  }),
  fc
    .integer({ min: 256 * 1024 + 1, max: 1024 * 1024 + 64 })
    .map((size): [string, string] => ["oversized", `a: "${"x".repeat(size)}"`]),
  fc.integer({ min: 65, max: 900 }).map((d): [string, string] => ["too deep", `a: ${"[".repeat(d)}1${"]".repeat(d)}`]),
  fc.constantFrom<[string, string]>(
    ["empty", ""],
    ["bad merge", "<<: *a\n"],
    ["bad merge", "a: 1\n<<: [1, 2]\n"],
    ["comments only", "# nothing\n   \n# here\n"],
    ["not a mapping", "- a\n- b\n"],
    ["not a mapping", "just a scalar"],
    ["secret", "infrastructure:\n  mssql:\n    sapassword: hunter2-hunter2\n"],
    ["secret", "application:\n  email:\n    password: p4ss-w0rd\n"],
    ["managed key", "global:\n  image:\n    tag: 2020.01.00\n"],
    ["managed key", "application:\n  system:\n    upgradeMode: true\n"],
    ["multiple documents", "a: 1\n---\nb: 2\n"],
    ["merge bomb", `a: &a {x: 1}\n${Array.from({ length: 120 }, (_, i) => `k${i}: {<<: *a}`).join("\n")}`],
    ["bad indentation", "a:\n  b: 1\n c: 2\n"],
    ["unterminated", 'a: "never closed\n'],
  ),
);

/** Anything else a values field could hold: the dry run must still answer in time without a 500. */
const anyValues = fc.oneof(
  refusedValues.map(([, text]) => text),
  mappingLines.map((lines) => lines.join("\n")),
  fc
    .array(
      fc.constantFrom(
        ":",
        "- ",
        " ",
        "\n",
        "\t",
        "&a ",
        "*a",
        "!!binary ",
        "!!js/function ",
        "{",
        "}",
        "[",
        "]",
        "'",
        '"',
        "? ",
        "%YAML 1.2\n",
        "---\n",
        "...\n",
        "<<: *a\n",
        "key",
        "value",
        "#",
        "|\n",
        ">-\n",
        "\\u0000",
        "\uFEFF",
      ),
      {
        maxLength: 60,
      },
    )
    .map((parts) => parts.join("")),
  fc.integer({ min: 60, max: 50_000 }).map((depth) => `a: ${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc
    .integer({ min: 30, max: 700 })
    .map((depth) => Array.from({ length: depth }, (_, i) => `${" ".repeat(i * 2)}k${i}:`).join("\n") + " 1"),
  fc.string({ unit: "grapheme", maxLength: 200 }).map((s) => `note: ${JSON.stringify(s)}`),
);

describe("hostile values files", () => {
  let demo: Demo;
  let before: string[];
  const cases = new CaseCounter();
  const reasons = new Map<string, number>();

  beforeAll(async () => {
    demo = await startDemo();
    await warmUp(demo);
    before = await instances(demo);
  });
  afterAll(async () => {
    cases.report(`values files (${[...reasons].map(([r, n]) => `${r} ${n}`).join(", ")})`);
    await demo.close();
  });

  it("the dry run answers every values file with a plan or a 4xx, in time", async () => {
    await fc.assert(
      fc.asyncProperty(anyValues, async (values) => {
        const request: Sent = {
          method: "POST",
          path: "/api/plans",
          body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00", values }),
          contentType: "application/json",
        };
        cases.add("POST /api/plans values");
        const answer = await send(demo, request);
        if (answer.status === 200) expect(JSON.parse(answer.text)).toHaveProperty("blockers");
        else expectJsonError(answer, request);
      }),
      { numRuns: RUNS * 3 },
    );
    expect(await instances(demo)).toEqual(before);
  });

  it("long pathological scalars answer in time: parsing and redaction stay linear in the size of the file", async () => {
    // The app runs in this process: a quadratic regex blocks the timers of the request timeout too, so time it.
    for (const unit of ["x", "a.", "password", "a://x:", "eyJ", "pwd=", "Bearer "]) {
      const values = `a: "${unit.repeat(Math.floor(250_000 / unit.length))}"`;
      const request: Sent = {
        method: "POST",
        path: "/api/plans",
        body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00", values }),
        contentType: "application/json",
      };
      cases.add("POST /api/plans values");
      const started = performance.now();
      const answer = await send(demo, request);
      expect(performance.now() - started, unit).toBeLessThan(REQUEST_TIMEOUT_MS);
      if (answer.status !== 200) expectJsonError(answer, request);
    }
  });

  it("a start with a values file that must be refused is refused with 4xx and starts nothing", async () => {
    await fc.assert(
      fc.asyncProperty(refusedValues, async ([reason, values]) => {
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        const request: Sent = {
          method: "POST",
          path: "/api/upgrades",
          body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00", requestedBy: REQUESTER, values }),
          contentType: "application/json",
        };
        cases.add("POST /api/upgrades values");
        const answer = await send(demo, request);
        expectJsonError(answer, request);
      }),
      { numRuns: RUNS * 3 },
    );
    expect(await instances(demo)).toEqual(before);
  });

  it(`no request held the event loop for ${MAX_EVENT_LOOP_DELAY_MS} ms`, expectNoStall);
});
