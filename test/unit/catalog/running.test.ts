import { describe, expect, it } from "vitest";
import { identifyRunningRelease } from "../../../lib/catalog/index.js";
import { loadCatalog, releaseOf } from "../support/catalog.js";

const catalog = loadCatalog();
const support = releaseOf(catalog, "2026.01.00-support");
const SUPPORT_PINS = Object.fromEntries(support.values.map((v) => [v.path, String(v.value)]));

const identify = (values: Record<string, string>, chartVersion: string) =>
  identifyRunningRelease(catalog, { valueAt: (path) => values[path], chartVersion });
const codes = (result: ReturnType<typeof identify>) => result.findings.map((f) => f.code);

describe("identifyRunningRelease", () => {
  it.each([
    // Charts 2.4.1 and 2.4.2 both say appVersion 2024.12 (CluedIn-io/Charts): the image tag tells them apart.
    [{ "global.image.tag": "2024.12" }, "2.4.1", "2024.12"],
    [{ "global.image.tag": "2024.12.00" }, "2.4.1", "2024.12"],
    [{ "global.image.tag": "2024.12.01", "application.cluedin.image.tag": "2024.12.01" }, "2.4.1", "2024.12.01"],
    [{ "global.image.tag": "2024.12.02" }, "2.4.2", "2024.12.02"],
    [{ "global.image.tag": "2024.07.03" }, "2.3.2", "2024.07.03"],
    [{ "global.image.tag": "2026.01.00" }, "2.7.0", "2026.01.00"],
    [{ "global.image.tag": "2026.01.00", ...SUPPORT_PINS }, "2.7.0", "2026.01.00-support"],
  ])("%j on chart %s runs %s, with nothing to report", (values, chart, tag) => {
    const result = identify(values, chart);
    expect(result.tag).toBe(tag);
    expect(result.release?.tag).toBe(tag);
    expect(result.findings).toEqual([]);
  });

  it("reports an image tag whose release is on another chart", () => {
    const result = identify({ "global.image.tag": "2024.12.02" }, "2.4.1");
    expect(result.tag).toBe("2024.12.02");
    expect(result.findings).toEqual([
      {
        code: "release-chart-mismatch",
        message: "the values say 2024.12.02 (chart 2.4.2), but the deployed chart is 2.4.1",
      },
    ]);
  });

  it("reports a server tag pinning another release than global.image.tag, planning from global.image.tag", () => {
    const result = identify(
      { "global.image.tag": "2025.05.00", "application.cluedin.image.tag": "2024.12.02" },
      "2.5.0",
    );
    expect(result.tag).toBe("2025.05.00");
    expect(codes(result)).toEqual(["release-tags-disagree"]);
    expect(result.findings[0]?.message).toContain("cluedin-server runs 2024.12.02");
  });

  it("takes the server tag when global.image.tag is not a release, still reporting the two differ", () => {
    const result = identify({ "global.image.tag": "latest", "application.cluedin.image.tag": "2024.12.01" }, "2.4.1");
    expect(result.tag).toBe("2024.12.01");
    expect(codes(result)).toEqual(["release-tags-disagree"]);
  });

  it("takes the release itself when only some of the support update's pins are set", () => {
    const result = identify(
      { "global.image.tag": "2026.01.00", "application.ui.image.tag": SUPPORT_PINS["application.ui.image.tag"]! },
      "2.7.0",
    );
    expect(result.tag).toBe("2026.01.00");
    expect(codes(result)).toEqual(["support-pins-partial"]);
    expect(result.findings[0]?.message).toMatch(/^1 of 2026\.01\.00-support's 8 component pins are set/);
  });

  it("places an uncatalogued release tag by its date, without a catalog entry", () => {
    const result = identify({ "global.image.tag": "2024.04.00" }, "2.2.0");
    expect(result).toEqual({ tag: "2024.04.00", findings: [] });
  });

  it.each([
    [{}, "2.5.3", "2025.05.02", "no global.image.tag: the release is taken from chart 2.5.3 as 2025.05.02"],
    [
      { "global.image.tag": "4.7.0-update.3" },
      "2.4.1",
      "2024.12",
      'global.image.tag "4.7.0-update.3" is not a release: the release is taken from chart 2.4.1 as 2024.12 (shared by 2024.12, 2024.12.01: the oldest is assumed)',
    ],
    // The support update shares 2.7.0 with its release and is recognised only by its pins.
    [{}, "2.7.0", "2026.01.00", "no global.image.tag: the release is taken from chart 2.7.0 as 2026.01.00"],
  ])("without a release tag in %j, falls back to chart %s: %s", (values, chart, tag, message) => {
    const result = identify(values, chart);
    expect(result.tag).toBe(tag);
    expect(result.findings).toEqual([{ code: "release-from-chart", message }]);
  });

  it("identifies nothing from neither a release tag nor a catalogued chart", () => {
    expect(identify({}, "2.2.0")).toEqual({ findings: [] });
  });
});
