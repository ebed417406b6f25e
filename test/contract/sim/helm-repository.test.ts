import { describe, expect, it } from "vitest";
import { simulatorPerTest } from "./harness.js";

// The documented repository: CluedIn.Documentation upgrade-guide/020-prepare-for-the-upgrade.md, "Configure Helm".
const REPO = "https://cluedin-io.github.io/Charts/";
const VALUES = { "values.yaml": 'global:\n  image:\n    tag: "2025.05.00"\n' };
const upgrade = (chart: string, extra = ""): string =>
  `helm upgrade cluedin-platform ${chart} -n cluedin --version 2.5.0 --values values.yaml --wait --timeout 10m0s${extra}`;

describe("the CluedIn chart repository as helm reaches it from Run Command", () => {
  const sim = simulatorPerTest();
  const run = sim.run;

  it("upgrades from the documented repository passed per command", async () => {
    const result = await run(upgrade(`cluedin-platform --repo ${REPO}`), { files: VALUES });
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.logs).toContain('Release "cluedin-platform" has been upgraded. Happy Helming!');
    expect(sim.t.sim.state().release.revisions.at(-1)).toMatchObject({ chart: "cluedin-platform-2.5.0" });
  });

  it("refuses an unknown repository URL with Helm's index error, and an unknown version", async () => {
    const unknown = await run(upgrade("cluedin-platform --repo https://charts.example.invalid/cluedin"), {
      files: VALUES,
    });
    expect(unknown).toMatchObject({
      exitCode: 1,
      logs:
        'Error: looks like "https://charts.example.invalid/cluedin" is not a valid chart repository or cannot be reached: ' +
        'Get "https://charts.example.invalid/cluedin/index.yaml": dial tcp: lookup charts.example.invalid on 10.0.0.10:53: no such host\n',
    });
    const version = await run(upgrade(`cluedin-platform --repo ${REPO}`).replace("2.5.0", "9.9.9"), { files: VALUES });
    expect(version).toMatchObject({
      exitCode: 1,
      logs: `Error: chart "cluedin-platform" version "9.9.9" not found in ${REPO} repository\n`,
    });
    expect(sim.t.sim.state().helmOperations).toEqual([]);
  });

  it("prints the chart's Chart.yaml with helm show chart, without cluster credentials", async () => {
    const shown = await run(`helm show chart cluedin-platform --repo ${REPO} --version 2.4.1`, { clusterToken: null });
    expect(shown.exitCode).toBe(0);
    // CluedIn-io/Charts charts/cluedin-platform/2.4.1 Chart.yaml: appVersion is the release train, not a tag.
    expect(shown.logs).toMatch(/^apiVersion: v2\nappVersion: "2024\.12"\ndependencies:\n/);
    expect(shown.logs).toContain("description: Deploys all parts of the CluedIn platform\n");
    expect(shown.logs).toMatch(/\nversion: 2\.4\.1\n$/);
    const v26 = await run(`helm show chart cluedin-platform --repo ${REPO} --version 2.6.0`);
    expect(v26.logs).toContain("appVersion: 2025.09.00\n");
  });

  it("keeps repo add/update and cluedin/cluedin-platform, resolving only the documented URL", async () => {
    const added = await run(
      `helm repo add cluedin ${REPO} && helm repo update cluedin && helm repo list && ${upgrade("cluedin/cluedin-platform")}`,
      { files: VALUES },
    );
    expect(added.exitCode).toBe(0);
    expect(added.logs).toContain('"cluedin" has been added to your repositories\n');
    expect(added.logs).toContain('...Successfully got an update from the "cluedin" chart repository\n');
    expect(added.logs).toContain(`cluedin\t${REPO}\n`);
    const wrong = await run("helm repo add cluedin https://charts.example.invalid");
    expect(wrong.logs).toBe(
      'Error: looks like "https://charts.example.invalid" is not a valid chart repository or cannot be reached: ' +
        'Get "https://charts.example.invalid/index.yaml": dial tcp: lookup charts.example.invalid on 10.0.0.10:53: no such host\n',
    );
    // Each Run Command pod starts without repositories, as a fresh helm does.
    const fresh = await run(upgrade("cluedin/cluedin-platform"), { files: VALUES });
    expect(fresh).toMatchObject({ exitCode: 1, logs: "Error: repo cluedin not found\n" });
    expect((await run("helm repo list")).logs).toBe("Error: no repositories to show\n");
  });

  it("pulls OCI references only from a mirror the scenario declares", async () => {
    const ref = "oci://contoso.azurecr.io/helm/cluedin-platform";
    const refused = await run(upgrade(ref), { files: VALUES });
    expect(refused.logs).toBe(
      'Error: failed to do request: Head "https://contoso.azurecr.io/v2/helm/cluedin-platform/manifests/2.5.0": ' +
        "dial tcp: lookup contoso.azurecr.io on 10.0.0.10:53: no such host\n",
    );
    await sim.t.sim.reset({ chartMirrors: [ref] });
    const pulled = await run(upgrade(ref), { files: VALUES });
    expect(pulled.exitCode).toBe(0);
    expect(pulled.logs).toMatch(
      /\nPulled: contoso\.azurecr\.io\/helm\/cluedin-platform:2\.5\.0\nDigest: sha256:[0-9a-f]{64}\n$/,
    );
    const missing = await run(upgrade(ref).replace("2.5.0", "9.9.9"), { files: VALUES });
    expect(missing.logs).toBe("Error: contoso.azurecr.io/helm/cluedin-platform:9.9.9: not found\n");
    const shown = await run(`helm show chart ${ref} --version 2.5.3`);
    expect(shown.logs).toContain("version: 2.5.3\n");
  });

  it("merges --reuse-values over the previous release's values and later --values files over earlier ones", async () => {
    const files = {
      "a.yaml": "application:\n  system:\n    upgradeMode: true\n    runNugetFullRestore: true\n",
      "b.yaml": "application:\n  system:\n    runNugetFullRestore: false\n",
    };
    const result = await run(
      `helm upgrade cluedin-platform cluedin-platform --repo ${REPO} -n cluedin --version 2.4.2 --reuse-values --values a.yaml --values b.yaml --set-string global.alerts.target=ops`,
      { files },
    );
    expect(result.exitCode).toBe(0);
    const values = JSON.parse((await run("helm get values cluedin-platform -n cluedin -o json")).logs ?? "") as {
      global: { image: { tag: string }; alerts: { target: string } };
      application: { system: Record<string, boolean>; cluedin: { components: { packages: unknown[] } } };
    };
    expect(values.global.image.tag).toBe("2024.12.02");
    expect(values.global.alerts.target).toBe("ops");
    expect(values.application.system).toEqual({ upgradeMode: true, runNugetFullRestore: false });
    expect(values.application.cluedin.components.packages).toHaveLength(4);
  });
});
