/**
 * Every redaction rule runs in time linear in its input: each input below made one rule quadratic (a 100 KB run
 * took seconds) and is now redacted in a few milliseconds. The bound is loose for a busy machine and far below
 * what a quadratic rule takes.
 */
import { describe, expect, it } from "vitest";
import { isSecretKey, redactText, redactYamlLines } from "../../../lib/redaction/index.js";

const SIZE = 100_000;
const BOUND_MS = 150;
const fill = (unit: string): string => unit.repeat(Math.floor(SIZE / unit.length));

const timed = (run: () => unknown): number => {
  const started = performance.now();
  run();
  return performance.now() - started;
};

describe("redaction stays linear", () => {
  it.each([
    ["braced connection-string values", fill(";pwd={")],
    ["braced values after a space", fill(" token={")],
    ["dash-joined eyJ runs", fill("eyJa-")],
    ["a private-key header without its end", `-----BEGIN ${fill("A")}`],
    ["scheme-like letters", fill("password")],
    ["a run of colons after ://", `a://${fill(":")}`],
    ["dotted letters", fill("a.")],
    ["open braces", fill("{")],
    ["quotes", fill('"')],
  ])("free text: %s", (_name, text) => {
    expect(timed(() => redactText(text))).toBeLessThan(BOUND_MS);
  });

  it.each([
    ["a line of spaces", `a${" ".repeat(SIZE)}`],
    ["a secret key with a run of anchors", `password: ${fill("&a")}`],
    ["a long key", `${fill("b")}"`],
  ])("YAML lines: %s", (_name, text) => {
    expect(timed(() => redactYamlLines(text))).toBeLessThan(BOUND_MS);
  });

  it("a key of capitals", () => {
    expect(timed(() => isSecretKey(fill("A")))).toBeLessThan(BOUND_MS);
  });

  it("the rewritten rules redact what they did", () => {
    expect(redactText("Server=sql;Pwd={x;y};")).not.toContain("x;y");
    expect(redactText("x-eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl y")).toBe("x-«redacted» y");
    expect(redactText("amqp://cluedin:R4bbitPass@host")).toBe("amqp://cluedin:«redacted»@host");
    expect(isSecretKey("HTTPServerPassword")).toBe(true);
    expect(isSecretKey("HTTPServerName")).toBe(false);
    expect(redactYamlLines("password: &p !!str hunter2")).toBe("password: &p !!str «redacted»");
  });
});
