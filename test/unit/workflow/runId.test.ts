import { describe, expect, it } from "vitest";
import { clusterOfRunId } from "../../../lib/audit/index.js";
import { RunIdSchema } from "../../../lib/workflow/requests.js";
import { hopRunId, newRunId, parseRunId } from "../../../lib/workflow/runId.js";

const ID = "demo-eu-20260105t090000z-3f9a1c";

describe("the run id, one format", () => {
  it("is made from the cluster, the time and a random part, and read back", () => {
    const id = newRunId("demo-eu", new Date("2026-01-05T09:00:00.123Z"), "3F9A1C");
    expect(id).toBe(ID);
    expect(parseRunId(id)).toEqual({ cluster: "demo-eu", root: ID });
  });

  it("names each hop of a chain after its run", () => {
    expect(hopRunId(ID, 2)).toBe(`${ID}-hop2`);
    expect(parseRunId(`${ID}-hop2`)).toEqual({ cluster: "demo-eu", root: ID, hop: 2 });
  });

  it.each([
    "lock-demo",
    "demo",
    "demo-20260105t090000z",
    "DEMO-20260105t090000z-3f9a1c",
    `${ID}-hopx`,
    `../${ID}`,
    `${ID}/x`,
  ])("refuses %s everywhere: the route schema, the parser and the audit sink agree", (id) => {
    expect(parseRunId(id)).toBeUndefined();
    expect(clusterOfRunId(id)).toBeUndefined();
    expect(RunIdSchema.safeParse(id).success).toBe(false);
  });

  it("accepts what it made in the route schema", () => {
    expect(RunIdSchema.safeParse(ID).success).toBe(true);
    expect(RunIdSchema.safeParse(hopRunId(ID, 1)).success).toBe(true);
  });
});
