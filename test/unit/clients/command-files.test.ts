import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { assertCommandFileNames, zipContextBase64 } from "../../../lib/clients/command-files.js";

describe("zipContextBase64", () => {
  it("zips the files at the archive root", () => {
    const files = [
      { name: "values-dev-2025-05-00.yml", content: 'global:\n  image:\n    tag: "2025.05.00"\n' },
      { name: "notes.txt", content: "ünïcode\n" },
    ];
    const zip = Buffer.from(zipContextBase64(files), "base64");
    expect(zip.subarray(0, 2).toString("latin1")).toBe("PK");
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(["notes.txt", "values-dev-2025-05-00.yml"]);
    expect(strFromU8(entries["notes.txt"]!)).toBe("ünïcode\n");
  });
});

describe("assertCommandFileNames", () => {
  it.each(["../values.yml", "dir/values.yml", ".hidden", "-f", "", "a b.yml"])("refuses %j", (name) => {
    expect(() => assertCommandFileNames([{ name, content: "" }])).toThrow(/invalid command file name/);
  });

  it("refuses the same name twice", () => {
    expect(() =>
      assertCommandFileNames([
        { name: "v.yml", content: "a" },
        { name: "v.yml", content: "b" },
      ]),
    ).toThrow(/duplicate/);
  });
});
