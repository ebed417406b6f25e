/**
 * The smaller findings of the security review, against the real app on the embedded default: files holding live
 * links or run data are private, lock ids are no upgrade ids, only application/json is JSON, and YAML tags the
 * values parser refuses answer 4xx.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approve, startDemo, type Demo } from "../e2e/harness.js";

let demo: Demo;
let id: string;

beforeAll(async () => {
  demo = await startDemo();
  id = await demo.start("2025.05.00");
  await approve(demo, id);
  await demo.finished(id);
}, 120_000);
afterAll(async () => {
  await demo?.close();
});

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe("small findings", () => {
  it("writes outbox mails (live links) and runtime journals readable by their owner only", async () => {
    const outbox = demo.app.outboxDir;
    const mails = (await readdir(outbox)).filter((f) => f.endsWith(".eml"));
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) expect(await modeOf(path.join(outbox, mail))).toBe(0o600);
    expect(await modeOf(outbox)).toBe(0o700);
    const journals = path.join(demo.dir, "runtime", "instances");
    const files = await readdir(journals);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(await modeOf(path.join(journals, file))).toBe(0o600);
    expect(await modeOf(journals)).toBe(0o700);
  });

  it("refuses lock ids where an upgrade id is expected", async () => {
    expect((await demo.api("GET", "/api/upgrades/lock-demo/audit")).status).toBe(400);
    expect((await demo.api("GET", "/api/upgrades/lock-demo")).status).toBe(400);
    expect((await demo.api("POST", "/api/upgrades/lock-demo/cancel", {})).status).toBe(400);
    expect([400, 404]).toContain((await demo.api("GET", "/api/dashboard/runs/lock-demo")).status);
  });

  it("takes only application/json as JSON", async () => {
    const send = (type: string) =>
      fetch(`${demo.app.baseUrl}/api/plans`, {
        method: "POST",
        headers: { "content-type": type },
        body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.02" }),
      });
    expect((await send("application/json-patch+json")).status).toBe(415);
    expect((await send("application/jsonx")).status).toBe(415);
    expect((await send("application/json; charset=utf-8")).status).toBe(200);
  });

  it("answers a values file with a !!binary tag with 4xx, not 500", async () => {
    const reply = await demo.api<{ error: { code: string } }>("POST", "/api/plans", {
      cluster: "demo",
      targetRelease: "2025.05.02",
      values: "a: !!binary aGVsbG8=\n",
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  });
});
