import { describe, expect, it } from "vitest";
import { offsetLabel, timelineLayout, timelineSvg } from "../../../lib/web/timeline.js";
import type { StageRecord } from "../../../lib/workflow/model.js";

const at = (second: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, second)).toISOString();
const stages: StageRecord[] = [
  { name: "read-values", state: "succeeded", startedAt: at(0), endedAt: at(10) },
  {
    name: "helm-upgrade",
    state: "failed",
    startedAt: at(10),
    endedAt: at(60),
    note: 'exit code 1: Error: <b>"boom"</b>',
  },
  { name: "rollback", state: "running", startedAt: at(60) },
];

describe("timelineLayout", () => {
  it("places bars on one time axis, a running stage reaching now", () => {
    const layout = timelineLayout(stages, new Date(at(100)));
    expect(layout.spanMs).toBe(100_000);
    const [first, second, third] = layout.bars;
    expect(first!.x).toBe(140);
    expect(second!.x).toBeCloseTo(140 + 75, 5);
    expect(second!.width).toBeCloseTo(375, 5);
    expect(third!.x + third!.width).toBeCloseTo(890, 5);
    expect(layout.bars.map((b) => b.y)).toEqual([8, 32, 56]);
    expect(layout.ticks.map((t) => t.label)).toEqual(["+0s", "+20s", "+40s", "+1m", "+1m20s", "+1m40s"]);
  });

  it("gives zero-length stages a visible bar", () => {
    const layout = timelineLayout(
      [{ name: "notify", state: "succeeded", startedAt: at(0), endedAt: at(0) }],
      new Date(at(0)),
    );
    expect(layout.bars[0]!.width).toBe(3);
  });
});

describe("timelineSvg", () => {
  it("is a labelled image whose text is escaped", () => {
    const svg = timelineSvg(stages, new Date(at(100)));
    expect(svg).toMatch(/^<svg class="timeline"[^>]* role="img" aria-labelledby="tl-title tl-desc"/);
    expect(svg).toContain('class="bar-failed"');
    expect(svg).toContain("exit code 1: Error: &lt;b&gt;&quot;boom&quot;&lt;/b&gt;");
    expect(svg).not.toContain("<b>");
  });

  it("is empty before any stage started", () => {
    expect(timelineSvg([], new Date())).toBe("");
  });
});

describe("offsetLabel", () => {
  it.each([
    [0, "+0s"],
    [59_000, "+59s"],
    [90_000, "+1m30s"],
    [3_600_000, "+1h"],
    [5_400_000, "+1h30m"],
  ])("%i ms is %s", (ms, label) => expect(offsetLabel(ms)).toBe(label));
});
