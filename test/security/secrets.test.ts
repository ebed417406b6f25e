/**
 * A whole data upgrade of a cluster whose Helm values hold secrets (the simulator plants them), then a search of
 * everything the app keeps or says for each secret value, plain or base64: orchestration inputs, outputs, custom
 * status and history of every instance, the status routes, every e-mail, every log line, every file the app wrote.
 * Approval tokens may only be in the e-mails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { services } from "../../lib/services.js";
import { PLANTED_SECRETS } from "../../local/sim/index.js";
import { APPROVER, approve, startDemo, type Demo } from "../e2e/harness.js";
import { deploymentKey, filesUnder, findLeaks, mailTexts, runRecords, tokenOf } from "./support.js";

describe("no secret leaves the cluster", () => {
  let demo: Demo;
  let id: string;
  const log: string[] = [];
  let secrets: Record<string, string>;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    demo = await startDemo({ log: (line) => log.push(line) });
    const plan = await demo.api("POST", "/api/plans", { cluster: "demo", targetRelease: "2025.05.00" });
    expect(plan.status).toBe(200);
    log.push(`plan answer: ${plan.text}`);
    id = await demo.start("2025.05.00");
    await approve(demo, id);
    expect((await demo.finished(id)).status).toBe("completed");
    secrets = {
      ...PLANTED_SECRETS,
      simulatorBearerToken: demo.app.sim.token,
      approvalSigningKey: await deploymentKey(demo),
      durableSystemKey: demo.app.runtime.systemKey,
    };
    const links = await demo.links(id, APPROVER);
    tokens = Object.fromEntries(links.map((link, i) => [`approval token ${i + 1}`, tokenOf(link)]));
  });
  afterAll(() => demo.close());

  it("the upgraded release's values still hold every planted secret: the run read and carried them", async () => {
    const clients = services().cluster("demo");
    const revisions = await (await clients.kube()).listHelmRevisions(clients.target.releaseName);
    const upgraded = revisions.filter((r) => r.status === "deployed").at(-1)!;
    expect(upgraded.appVersion).toBe("2025.05"); // chart 2.5.0 Chart.yaml appVersion
    const values = new Map([["upgraded values", upgraded.valuesYaml]]);
    expect([...new Set(findLeaks(PLANTED_SECRETS, values).map((l) => l.secret))]).toEqual(Object.keys(PLANTED_SECRETS));
    expect(Object.keys(tokens)).toHaveLength(1);
    expect(log.length).toBeGreaterThan(10);
  });

  it("no secret in any instance's input, output, custom status or history, nor in the status routes", async () => {
    const records = await runRecords(demo);
    expect([...records.keys()].filter((k) => k.startsWith("history")).length).toBeGreaterThanOrEqual(5);
    expect(findLeaks(secrets, records)).toEqual([]);
    expect(findLeaks(tokens, records)).toEqual([]);
  });

  it("no secret in any e-mail, raw or decoded; the approval token only in its approver's mail", async () => {
    const mails = await mailTexts(demo);
    const texts = new Map(
      mails.flatMap((m) => [[`${m.file} raw`, m.raw] as const, [`${m.file} decoded`, m.decoded] as const]),
    );
    expect(findLeaks(secrets, texts)).toEqual([]);
    const withToken = new Set(findLeaks(tokens, texts).map((l) => l.where.replace(/ (raw|decoded)$/, "")));
    const approverMails = (await demo.mails()).filter((m) => m.to.includes(APPROVER) && m.subject.includes("Approval"));
    expect([...withToken]).toEqual(approverMails.map((m) => m.file));
  });

  it("no secret and no approval token in any log line", () => {
    const lines = new Map(log.map((line, i) => [`log line ${i + 1}`, line]));
    expect(findLeaks(secrets, lines)).toEqual([]);
    expect(findLeaks(tokens, lines)).toEqual([]);
  });

  it("no secret in any file the app wrote (runtime store, audit, command state); tokens only in the outbox", async () => {
    const files = await filesUnder(demo.dir, ["sim", "approval-signing-key"]);
    expect([...files.keys()].some((f) => f.startsWith("runtime"))).toBe(true);
    expect(findLeaks(secrets, files)).toEqual([]);
    expect(findLeaks(tokens, files).filter((l) => !l.where.startsWith("outbox"))).toEqual([]);
  });
});
