import { describe, expect, it } from "vitest";
import {
  isServerPod,
  logLevel,
  maxErrorLines,
  mergeLogFindings,
  scanServerLog,
} from "../../../lib/clients/server-logs.js";

const keep = (line: string): string => line;

describe("logLevel", () => {
  it.each([
    ["[#098 05:57:02 ERR][CluedIn.Core.Jobs] Job failed", "ERR"],
    ["[#001 23:59:59 FTL][Program] Host terminated", "FTL"],
    ["[#095 05:57:04 INF] HTTP POST /api/upgradeto/Version450 responded 200 in 1857.3003 ms", "INF"],
    ["   at CluedIn.Core.Foo() in Foo.cs:line 12", undefined],
    ["ERR something that only looks like a level", undefined],
  ])("reads the level of %j", (line, level) => {
    expect(logLevel(line)).toBe(level);
  });
});

describe("scanServerLog", () => {
  const log = [
    "[#001 05:50:00 INF][Program] Starting",
    "[#012 05:55:00 ERR][CluedIn.Processing] Could not connect to sql, password=hunter2",
    "   at System.Data.SqlClient.SqlConnection.Open()",
    "[#013 05:55:01 WRN][CluedIn.Processing] Retrying",
    "[#014 05:56:00 FTL][CluedIn.Server] Unhandled exception",
    "[#020 05:56:30 INF][Microsoft.Hosting.Lifetime] Application started. Press Ctrl+C to shut down.",
    "[#098 05:57:02 INF] Performing Upgrade Scenario Elastic search upgrade mapping for version Version450",
    "[#095 05:57:04 INF] HTTP POST /api/upgradeto/Version450 responded 200 in 1857.3003 ms",
    "",
  ].join("\n");

  it("keeps ERR and FTL lines, startup and the data upgrade response", () => {
    const findings = scanServerLog(log, keep);
    expect(findings.errorLines).toEqual([
      "[#012 05:55:00 ERR][CluedIn.Processing] Could not connect to sql, password=hunter2",
      "[#014 05:56:00 FTL][CluedIn.Server] Unhandled exception",
    ]);
    expect(findings.applicationStarted).toBe(true);
    expect(findings.dataUpgradeResponse).toEqual({
      toVersion: "Version450",
      status: 200,
      line: "[#095 05:57:04 INF] HTTP POST /api/upgradeto/Version450 responded 200 in 1857.3003 ms",
    });
  });

  it("passes every kept line through the redactor", () => {
    const redact = (line: string): string => line.replace(/password=\S+/, "password=[redacted]");
    expect(scanServerLog(log, redact).errorLines[0]).toContain("password=[redacted]");
  });

  it("finds nothing in a quiet log", () => {
    expect(scanServerLog("[#001 05:50:00 INF][Program] Starting\r\n", keep)).toEqual({
      errorLines: [],
      applicationStarted: false,
    });
  });

  it("reads a failed data upgrade response", () => {
    const failed = scanServerLog(
      "[#095 05:57:04 ERR] HTTP POST /api/upgradeto/Version460 responded 500 in 12 ms",
      keep,
    );
    expect(failed.dataUpgradeResponse?.status).toBe(500);
    expect(failed.errorLines).toHaveLength(1);
  });
});

describe("mergeLogFindings", () => {
  it("prefers a successful data upgrade response from any pod and keeps the window", () => {
    const merged = mergeLogFindings(
      [
        {
          errorLines: ["a"],
          applicationStarted: false,
          dataUpgradeResponse: { toVersion: "V", status: 200, line: "ok" },
        },
        {
          errorLines: ["b"],
          applicationStarted: true,
          dataUpgradeResponse: { toVersion: "V", status: 500, line: "bad" },
        },
      ],
      600,
    );
    expect(merged).toEqual({
      windowSeconds: 600,
      errorLines: ["a", "b"],
      applicationStarted: true,
      dataUpgradeResponse: { toVersion: "V", status: 200, line: "ok" },
    });
  });

  it("caps error lines and says how many were left out", () => {
    const many = Array.from({ length: maxErrorLines + 7 }, (_, i) => `line ${i}`);
    const merged = mergeLogFindings([{ errorLines: many, applicationStarted: false }], 60);
    expect(merged.errorLines).toHaveLength(maxErrorLines + 1);
    expect(merged.errorLines.at(-1)).toBe("… 7 more ERR/FTL lines");
    expect(merged).not.toHaveProperty("dataUpgradeResponse");
  });
});

describe("isServerPod", () => {
  it.each([
    [{ metadata: { name: "cluedin-server-7d9c8b6f5-abcde" } }, true],
    [{ metadata: { name: "cluedin-server-processing-5c-x" } }, true],
    [{ metadata: { name: "main-0", labels: { app: "cluedin", role: "main" } } }, true],
    [{ metadata: { name: "cluedin-ui-5f6d7c8b9-fghij", labels: { app: "cluedin", role: "ui" } } }, false],
  ])("%j -> %s", (pod, expected) => {
    expect(isServerPod(pod)).toBe(expected);
  });
});
