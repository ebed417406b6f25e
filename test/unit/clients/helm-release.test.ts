import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  decodeHelmReleaseData,
  sortRevisionsNewestFirst,
  toHelmRevision,
  toHelmStatus,
  userValuesYaml,
} from "../../../lib/clients/helm-release.js";

const release = {
  name: "cluedin-platform",
  namespace: "cluedin",
  version: 3,
  info: {
    first_deployed: "2024-01-10T10:00:00Z",
    last_deployed: "2025-06-01T08:30:00.123456789Z",
    deleted: "",
    description: "Upgrade complete",
    status: "deployed",
    notes: "",
  },
  chart: { metadata: { name: "cluedin-platform", version: "2.5.1", appVersion: "2024.12.02" }, values: {} },
  config: {
    global: { image: { tag: "2024.12.02" } },
    application: { cluedin: { components: { packages: [{ name: "CluedIn.Connector.Http", version: "4.0.0" }] } } },
  },
  manifest: "---\n",
};

/** The way Helm's secrets driver stores a release, as the API server returns it in `data.release`. */
function secretData(json: string, gzip = true): string {
  const bytes = gzip ? gzipSync(Buffer.from(json)) : Buffer.from(json);
  const helmString = bytes.toString("base64");
  return Buffer.from(helmString).toString("base64");
}

describe("decodeHelmReleaseData", () => {
  it("undoes both base64 layers and the gzip", () => {
    const decoded = decodeHelmReleaseData(secretData(JSON.stringify(release)));
    expect(decoded.version).toBe(3);
    expect(decoded.config).toEqual(release.config);
  });

  it("reads releases stored before Helm compressed them", () => {
    expect(decodeHelmReleaseData(secretData(JSON.stringify(release), false)).name).toBe("cluedin-platform");
  });

  it.each([
    ["garbage", Buffer.from("not base64 of anything useful").toString("base64")],
    ["JSON that is not a release", secretData(JSON.stringify({ hello: "world" }))],
  ])("throws on %s", (_name, data) => {
    expect(() => decodeHelmReleaseData(data)).toThrow();
  });
});

describe("toHelmRevision", () => {
  it("keeps revision, status, chart, description, time and the user values as YAML", () => {
    const revision = toHelmRevision(decodeHelmReleaseData(secretData(JSON.stringify(release))));
    expect(revision).toMatchObject({
      revision: 3,
      status: "deployed",
      chartVersion: "2.5.1",
      appVersion: "2024.12.02",
      description: "Upgrade complete",
      updatedAt: "2025-06-01T08:30:00.123Z",
    });
    expect(parse(revision.valuesYaml)).toEqual(release.config);
  });

  it("falls back to the status label and to empty values", () => {
    const bare = { name: "cluedin-platform", version: 1, config: null };
    const revision = toHelmRevision(decodeHelmReleaseData(secretData(JSON.stringify(bare))), "superseded");
    expect(revision.status).toBe("superseded");
    expect(revision.valuesYaml).toBe("{}\n");
  });
});

describe("helm statuses and order", () => {
  it.each([
    ["pending-upgrade", "pending-upgrade"],
    ["failed", "failed"],
    ["something-new", "unknown"],
    [undefined, "unknown"],
  ])("maps %s to %s", (value, status) => {
    expect(toHelmStatus(value)).toBe(status);
  });

  it("sorts newest first without touching the input", () => {
    const input = [{ revision: 1 }, { revision: 10 }, { revision: 2 }];
    expect(sortRevisionsNewestFirst(input).map((r) => r.revision)).toEqual([10, 2, 1]);
    expect(input.map((r) => r.revision)).toEqual([1, 10, 2]);
  });

  it("never folds long values such as certificates", () => {
    const long = "x".repeat(300);
    expect(userValuesYaml({ cert: long })).toBe(`cert: ${long}\n`);
  });
});
