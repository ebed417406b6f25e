import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote, toShellLine } from "../../../lib/clients/shell.js";

describe("shellQuote", () => {
  it.each([
    ["plain", "plain"],
    ["cluedin/cluedin-platform", "cluedin/cluedin-platform"],
    ["application.system.upgradeMode=true", "application.system.upgradeMode=true"],
    ["", "''"],
    ["two words", "'two words'"],
    ["it's", "'it'\\''s'"],
    ["$(reboot)", "'$(reboot)'"],
    ["a;b", "'a;b'"],
    ["`x`", "'`x`'"],
  ])("quotes %j as %s", (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });

  it("refuses NUL characters", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  it("gives a real shell back exactly the arguments it was given", () => {
    const args = ["simple", "with space", "it's", "$HOME", "`id`", "a\nb", "*", "--x=1;echo pwned", "ünï"];
    const line = toShellLine([["printf", "%s\\0", ...args]]);
    const out = execFileSync("/bin/sh", ["-c", line]).toString("utf8");
    expect(out.split("\0").slice(0, -1)).toEqual(args);
  });
});

describe("toShellLine", () => {
  it("joins commands with && so the chain stops at the first failure", () => {
    expect(
      toShellLine([
        ["helm", "repo", "update"],
        ["helm", "list", "-n", "cluedin"],
      ]),
    ).toBe("helm repo update && helm list -n cluedin");
    const out = execFileSync("/bin/sh", ["-c", `${toShellLine([["false"], ["echo", "ran"]])} || echo stopped`]);
    expect(out.toString().trim()).toBe("stopped");
  });

  it("refuses an empty command list or an empty command", () => {
    expect(() => toShellLine([])).toThrow();
    expect(() => toShellLine([["helm"], []])).toThrow();
  });
});
