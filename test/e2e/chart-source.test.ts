/**
 * Where the chart comes from, end to end: the documented repository on every Helm command (never a `helm repo add`),
 * the same command line shown to the approver and run, and a source or version that does not resolve blocking the
 * run before anyone is asked.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { APPROVER, approvalPage, approve, editRelease, ON_2024_12_01, startDemo, type Demo } from "./harness.js";

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const DOCUMENTED = "https://cluedin-io.github.io/Charts/";
const commands = (d: Demo): string[] => d.app.sim.state().commands.map((c) => c.command);

const unescapeHtml = (html: string): string =>
  html
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

describe("the chart source", () => {
  it("a demo upgrade fetches the chart from the documented repository, with the command the approver read", async () => {
    demo = await startDemo(ON_2024_12_01);
    const id = await demo.start("2024.12.02");
    await demo.until(id, (r) => r.status === "awaiting-approval");

    const check = `helm show chart cluedin-platform --repo ${DOCUMENTED} --version 2.4.2`;
    expect(commands(demo)).toContain(check);
    const mail = (await demo.mails()).find((m) => m.subject.includes("Approval needed"))!;
    const shown = /Helm \(basic\): (helm upgrade .*)/.exec(mail.text)?.[1]?.trim();
    expect(shown).toBe(
      `helm upgrade cluedin-platform -n cluedin cluedin-platform --repo ${DOCUMENTED} --version 2.4.2 ` +
        // The 2024.12.02 page's command sets no flags; a basic upgrade adds upgradeMode=false.
        "--values <values file> --set application.system.upgradeMode=false " +
        "--wait --timeout 10m0s --description <run marker>",
    );
    const link = (await demo.links(id, APPROVER)).at(-1)!;
    expect(unescapeHtml(await approvalPage(demo, link))).toContain(shown);

    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    const upgrade = commands(demo).find((c) => c.startsWith("helm upgrade"))!;
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    const valuesFile = audit.plan?.valuesFile ?? "";
    expect(valuesFile).toBe("values-dev-2024-12-02.yml");
    expect(
      upgrade
        .replace(` --values ${valuesFile} `, " --values <values file> ")
        .replace(/--description '[^']*'$/, "--description <run marker>"),
    ).toBe(shown);
    expect(commands(demo).some((c) => / repo (add|update) /.test(c))).toBe(false);

    expect(audit.chartCheck).toMatchObject({ ok: true, command: check });
    expect(audit.helm.commands[0]?.command).toBe(upgrade);
  });

  it("a repository that cannot be reached blocks the run before approval is asked, in Helm's words", async () => {
    const mirror = "https://charts.contoso.example/cluedin/";
    demo = await startDemo({ ...ON_2024_12_01, profile: { chartSource: mirror } });
    const id = await demo.start("2024.12.02");
    const run = await demo.finished(id);

    expect(run.status).toBe("failed");
    expect(run.reason).toContain("blocked by pre-checks, nothing changed: the chart source could not be read");
    expect(run.reason).toContain(`looks like "${mirror}" is not a valid chart repository or cannot be reached`);
    expect(run.stages.map((s) => s.name)).not.toContain("approval");
    expect((await demo.mails()).some((m) => m.subject.includes("Approval needed"))).toBe(false);
    expect(demo.app.sim.state().helmOperations).toEqual([]);
  });

  it("a chart version the repository does not hold blocks the run before approval is asked", async () => {
    demo = await startDemo(ON_2024_12_01);
    await editRelease(demo, "2024.12.02", (release) => release.set("chartVersion", "2.4.9"));

    const id = await demo.start("2024.12.02");
    const run = await demo.finished(id);

    expect(run.status).toBe("failed");
    expect(run.reason).toContain("the target chart version is not at the chart source");
    expect(run.reason).toMatch(/cluedin-platform.*2\.4\.9.*not found/);
    expect(run.stages.map((s) => s.name)).not.toContain("approval");
    expect(demo.app.sim.state().helmOperations).toEqual([]);
  });
});
