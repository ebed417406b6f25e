import { describe, expect, it } from "vitest";
import { humanDuration, parseGoDuration } from "../../../local/sim/core/format.js";
import { applySet, type Values } from "../../../local/sim/core/values.js";
import { parseValuesFile } from "../../../local/sim/core/yaml-errors.js";
import { parseLabelSelector } from "../../../local/sim/kube/selectors.js";
import { containerAt } from "../../../local/sim/model/containers.js";
import { parseScript } from "../../../local/sim/shell/parse.js";
import { renderJsonPath } from "../../../local/sim/shell/jsonpath.js";

describe("helm --set (strvals)", () => {
  it.each([
    ["a.b=c", { a: { b: "c" } }],
    ["a=1,b=true,c=null,d=01", { a: 1, b: true, c: null, d: "01" }],
    ["list[1].name=x", { list: [null, { name: "x" }] }],
    ["a={x,y}", { a: ["x", "y"] }],
    ["a\\.b=c\\,d", { "a.b": "c,d" }],
  ])("%s", (expression, expected) => {
    const values: Values = {};
    expect(applySet(values, expression, false)).toEqual({ ok: true });
    expect(values).toEqual(expected);
  });

  it("keeps strings with --set-string and reports keys without values", () => {
    const values: Values = {};
    applySet(values, "a=true", true);
    expect(values).toEqual({ a: "true" });
    expect(applySet({}, "a.b", false)).toEqual({ ok: false, reason: 'key "a.b" has no value' });
  });
});

describe("Go durations and kubectl ages", () => {
  it.each([
    ["10m0s", 600_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
    ["0", 0],
    ["ten", undefined],
    ["10", undefined],
  ])("parses %s", (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each([
    [59_000, "59s"],
    [150_000, "2m30s"],
    [3_600_000 * 5, "5h"],
    [86_400_000 * 14, "14d"],
    [86_400_000 * 800, "2y70d"],
  ])("prints %d ms as %s", (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe("values files", () => {
  it("names the line of tab indentation like go-yaml, and rejects non-map documents", () => {
    expect(parseValuesFile("v.yml", "a:\n  b: 1\n\tc: 2\n")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("yaml: line 3:"),
    });
    expect(parseValuesFile("v.yml", "- a\n")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("cannot unmarshal array"),
    });
    expect(parseValuesFile("v.yml", "# only a comment\n")).toEqual({ ok: true, values: {} });
  });
});

describe("label selectors", () => {
  it("matches equality, set and existence requirements", () => {
    const parsed = parseLabelSelector("app=cluedin,role!=main,tier in (a,b),!legacy");
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.matches({ app: "cluedin", role: "processing", tier: "a" })).toBe(true);
    expect(parsed.matches({ app: "cluedin", role: "main", tier: "a" })).toBe(false);
    expect(parsed.matches({ app: "cluedin", tier: "c" })).toBe(false);
    expect(parsed.matches({ app: "cluedin", tier: "b", legacy: "1" })).toBe(false);
    expect(parseLabelSelector("a in (b").ok).toBe(false);
  });
});

describe("crash-looping containers", () => {
  const timings = { readyMs: 100, crashRunMs: 10, backoffBaseMs: 10, backoffCapMs: 40 };

  it("is ready readyMs after start when no crash window is open", () => {
    expect(containerAt(0, [], 0, 99, timings)).toMatchObject({ ready: false, readyAt: 100, restarts: 0 });
    expect(containerAt(0, [], 0, 100, timings)).toMatchObject({ ready: true });
  });

  it("backs off exponentially to the cap while the window is open, then recovers", () => {
    const open = [{ from: 0 }];
    expect(containerAt(0, open, 0, 15, timings)).toMatchObject({
      state: { kind: "waiting", reason: "CrashLoopBackOff" },
      restarts: 0,
      readyAt: Infinity,
    });
    expect(containerAt(0, open, 0, 1_000, timings).restarts).toBeGreaterThan(15);
    const closed = [{ from: 0, until: 500 }];
    const later = containerAt(0, closed, 0, 2_000, timings);
    expect(later).toMatchObject({ ready: true, state: { kind: "running" } });
    expect(later.restarts).toBeGreaterThan(5);
  });
});

describe("shell parsing", () => {
  it("parses and-or lists, pipes, quotes and heredocs", () => {
    const parsed = parseScript("a 'b c' \"d $X\" && e | f > out.txt || g <<EOF\nline\nEOF\nh");
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.script).toHaveLength(2);
    expect(parsed.script[0]?.rest.map((r) => r.op)).toEqual(["&&", "||"]);
    expect(parsed.script[0]?.rest[1]?.pipeline[0]?.heredoc).toEqual({
      body: "line\n",
      expand: true,
      delimiter: "EOF",
      strip: false,
    });
    expect(parseScript("echo 'open").ok).toBe(false);
  });
});

describe("kubectl jsonpath", () => {
  const data = {
    items: [
      { metadata: { name: "a" }, status: { phase: "Running" } },
      { metadata: { name: "b" }, status: { phase: "Pending" } },
    ],
  };
  it.each([
    ["{.items[*].metadata.name}", "a b"],
    ['{range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}', "a=Running\nb=Pending\n"],
    ['{.items[?(@.status.phase=="Pending")].metadata.name}', "b"],
    ["{.items[0].status}", '{"phase":"Running"}'],
  ])("%s", (template, text) => expect(renderJsonPath(template, data)).toEqual({ ok: true, text }));
});
