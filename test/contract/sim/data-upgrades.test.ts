import { describe, expect, it } from "vitest";
import { simulatorPerTest } from "./harness.js";

const apply = (name: string, toVersion: string): string => `kubectl apply -f - <<EOF
apiVersion: api.cluedin.com/v1
kind: DataUpgrade
metadata:
  name: ${name}
  namespace: cluedin
spec:
  toVersion: ${toVersion}
EOF`;
const upgradeLines = (log: string): string[] =>
  log
    .split("\n")
    .filter((l) => /Upgrade Scenario|api\/upgradeto/.test(l))
    .map((l) => l.replace(/^\[#\d{3} /, "[#"));

describe("data upgrades as the upgrade pages print them", () => {
  const sim = simulatorPerTest();

  it("Version440 (208-upgrade-202412.md): three scenarios over about 51 minutes", async () => {
    expect((await sim.run(apply("data-upgrade-440", "Version440"))).exitCode).toBe(0);
    const phase = "kubectl get dataupgrade data-upgrade-440 -n cluedin -o jsonpath='{.status.phase}'";
    sim.t.clock.advanceBy(30 * 60_000);
    expect((await sim.run(phase)).logs).toBe("Running");
    sim.t.clock.advanceBy(25 * 60_000);
    expect((await sim.run(phase)).logs).toBe("Succeeded");
    const log = (await sim.run("kubectl logs deploy/cluedin-server -n cluedin --since=2h")).logs ?? "";
    const lines = upgradeLines(log);
    expect(lines.map((l) => l.replace(/^\[#\d\d:\d\d:\d\d INF\] /, ""))).toEqual([
      "Performing Upgrade Scenario Remove legacy DeduplicateEntities jobs for version Version440",
      "Completed Upgrade Scenario Remove legacy DeduplicateEntities jobs for version Version440",
      "Performing Upgrade Scenario Migrate clean projects to dedicated hashes table for version Version440",
      "Completed Upgrade Scenario Migrate clean projects to dedicated hashes table for version Version440",
      "Performing Upgrade Scenario Elastic Search Repopulate Index for version Version440",
      "Completed Upgrade Scenario Elastic Search Repopulate Index for version Version440",
      "HTTP POST /api/upgradeto/Version440 responded 200 in 3044054.6755 ms",
    ]);
    // 12:12:33 -> 12:18:33 -> 13:03:17 on the page: 6 minutes, then 44 minutes 44 seconds.
    const clock = lines.map((l) => /^\[#(\d\d):(\d\d):(\d\d)/.exec(l)?.slice(1).map(Number) ?? []);
    const seconds = clock.map(([h = 0, m = 0, s = 0]) => h * 3600 + m * 60 + s);
    expect((seconds[2] ?? 0) - (seconds[0] ?? 0)).toBe(360);
    expect((seconds[4] ?? 0) - (seconds[2] ?? 0)).toBe(2684);
  });

  it("Version450 (upgrade-guide/030): two scenarios and a 1857 ms answer", async () => {
    await sim.run(apply("data-upgrade-450", "Version450"));
    sim.t.clock.advanceBy(60_000);
    const log = (await sim.run("kubectl logs deploy/cluedin-server -n cluedin --since=10m")).logs ?? "";
    expect(upgradeLines(log).at(-1)).toMatch(
      /^\[#\d\d:\d\d:\d\d INF\] HTTP POST \/api\/upgradeto\/Version450 responded 200 in 1857\.3003 ms$/,
    );
    expect(upgradeLines(log)).toHaveLength(5);
  });
});
