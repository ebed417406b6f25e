import { describe, expect, it } from "vitest";
import { detectYamlFormat, formatYamlPath, readValueAt, scalarReader } from "../../../lib/values/index.js";
import { parseDottedPath } from "../../../lib/values/yaml-paths.js";

describe("paths", () => {
  it.each([
    [["global", "image", "tag"], "global.image.tag"],
    [
      ["application", "cluedin", "components", "packages", 2, "version"],
      "application.cluedin.components.packages[2].version",
    ],
    [["list", 0, 1], "list[0][1]"],
    [[], ""],
  ])("%j is written %s and read back", (path, dotted) => {
    expect(formatYamlPath(path)).toBe(dotted);
    expect(parseDottedPath(dotted)).toEqual(path);
  });
});

describe("readValueAt", () => {
  const text = "global:\n  image:\n    tag: '2024.12.02'\nlist:\n- name: a\n  on: true\n";

  it.each([
    ["global.image.tag", "2024.12.02"],
    [["global", "image"], { tag: "2024.12.02" }],
    ["list[0].name", "a"],
    ["list[0].on", true],
    ["list[3].name", undefined],
    ["global.image.tag.deeper", undefined],
    ["missing", undefined],
  ])("%j -> %j", (path, value) => {
    expect(readValueAt(text, path)).toEqual(value);
  });

  it("answers undefined for text that is not YAML", () => {
    expect(readValueAt("a: [\n", "a")).toBeUndefined();
  });
});

describe("scalarReader", () => {
  it.each([
    ['global:\n  image:\n    tag: "2024.12.02"\n', "2024.12.02"],
    ["global:\n  image:\n    tag: 2024.10\n", "2024.10"],
    ["global: {}\n", undefined],
    ["global:\n  image:\n    tag: [a]\n", undefined],
    ["a: [\n", undefined],
  ])("reads global.image.tag of %j as %s", (text, release) => {
    expect(scalarReader(text)("global.image.tag")).toBe(release);
  });
});

describe("detectYamlFormat", () => {
  it.each([
    ["a:\n  b: 1\nc:\n- x\n", { indent: 2, indentSeq: false }],
    ["a:\n    b: 1\nc:\n    - x\n", { indent: 4, indentSeq: true }],
    ["# comment\n\na: # note\n   b: 1\n", { indent: 3, indentSeq: true }],
    ["a: 1\n", { indent: 2, indentSeq: true }],
    ["list:\n- name: a\n  image:\n    tag: x\n", { indent: 2, indentSeq: false }],
  ])("%j", (text, format) => {
    expect(detectYamlFormat(text)).toEqual(format);
  });
});
