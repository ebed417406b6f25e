import { describe, expect, it } from "vitest";
import { LiteralMatcher, ownSecretValues, REDACTED, releaseRedactor } from "../../../lib/redaction/index.js";

describe("ownSecretValues", () => {
  it("takes every string that could be a secret, whatever its key", () => {
    const values = {
      env: [{ name: "SQL_PASSWORD", value: "xyz-Secret-1" }],
      packages: [{ name: "Contoso.X", version: "1.2.0", pat: "feedpat12345" }],
      alerts: { target: "https://hooks.example/services/T000/B000/XXXX" },
      existingSecret: "literal-value",
      keys: ["key-list-value"],
    };
    expect(ownSecretValues(values).sort()).toEqual(
      [
        "SQL_PASSWORD",
        "xyz-Secret-1",
        "Contoso.X",
        "feedpat12345",
        "https://hooks.example/services/T000/B000/XXXX",
        "literal-value",
        "key-list-value",
      ].sort(),
    );
  });

  it("leaves out short words, numbers, booleans and versions", () => {
    expect(
      ownSecretValues({ a: "cluedin", b: "12345678901", c: "2024.12.02", d: "v2.5.0-beta.1", e: true, f: 123456789 }),
    ).toEqual([]);
  });

  it("takes multi-line values line by line and long lines in pieces", () => {
    const pem = ["-----BEGIN PRIVATE KEY-----", "A".repeat(300) + "B", "-----END PRIVATE KEY-----"].join("\n");
    const found = ownSecretValues({ tls: pem });
    expect(found).toContain("-----BEGIN PRIVATE KEY-----");
    expect(found).toContain("A".repeat(256));
    expect(found.every((piece) => piece.length <= 256)).toBe(true);
  });
});

describe("LiteralMatcher", () => {
  it("replaces every occurrence, overlapping ones as one span", () => {
    const matcher = new LiteralMatcher(["abcdef", "defghi", "zz"]);
    expect(matcher.replace("x abcdefghi y zz abc", "#")).toBe("x # y # abc");
    expect(matcher.replace("nothing here", "#")).toBe("nothing here");
  });

  it("finds a shorter pattern inside a longer candidate", () => {
    const matcher = new LiteralMatcher(["abcd", "bc", "xbcdefg"]);
    expect(matcher.ranges("xbcdeq abcd")).toEqual([
      [1, 3],
      [7, 11],
    ]);
  });

  it("stays linear on long input with many patterns", () => {
    const matcher = new LiteralMatcher(Array.from({ length: 5_000 }, (_, i) => `secret-${i}-${"a".repeat(20)}`));
    const text = `${"secret-1-".repeat(50_000)}secret-4999-${"a".repeat(20)}`;
    const started = performance.now();
    expect(matcher.replace(text, "#").endsWith("#")).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("releaseRedactor", () => {
  const valuesYaml = [
    "global:",
    "  alerts:",
    "    target: https://hooks.example/services/T000/B000/XXXX",
    "application:",
    "  env:",
    "  - name: DB_CONNECTION",
    "    value: Server=sql;Password=Pa55-in-env",
    "  - name: API",
    "    value: plain-secret-99",
    "",
  ].join("\n");

  it("redacts the release's own values in free text, besides the patterns", () => {
    const redact = releaseRedactor([valuesYaml]);
    expect(redact("posted to https://hooks.example/services/T000/B000/XXXX ok; key plain-secret-99; token=abc")).toBe(
      `posted to ${REDACTED} ok; key ${REDACTED}; token=${REDACTED}`,
    );
    expect(redact("login failed with Pa55-in-env")).toBe(`login failed with ${REDACTED}`);
  });

  it("reads values that are not valid YAML line by line", () => {
    const redact = releaseRedactor(["a: [unclosed\n  b: plain-secret-99\n"]);
    expect(redact("x plain-secret-99 y")).toBe(`x ${REDACTED} y`);
  });
});
