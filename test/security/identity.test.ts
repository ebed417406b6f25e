/**
 * Who the app believes a caller is, through its real routes on the local runtime: a principal or address header is
 * the platform's only behind App Service authentication; a requester who did not sign in cannot dodge the
 * self-approval rule; mail goes only to the profile's people, and what a caller typed is quoted as theirs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resetServices } from "../../lib/services.js";
import { APPROVER, startDemo, type Demo } from "../e2e/harness.js";
import { awaitingApproval, decisionState, fetchText, postDecision } from "./support.js";

const principal = (name: string): string =>
  Buffer.from(JSON.stringify({ userId: "u-1", userDetails: name, identityProvider: "aad" })).toString("base64");

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
  delete process.env.APP_SERVICE_AUTH;
  resetServices();
});

/** The demo behind what App Service authentication would be: the test plays the platform's part. */
async function signedInDemo(): Promise<Demo> {
  process.env.APP_SERVICE_AUTH = "required";
  return startDemo();
}

describe("identity headers without App Service authentication (the default)", () => {
  it("a forged x-ms-client-principal and address are not recorded with a decision", async () => {
    demo = await startDemo();
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const reply = await postDecision(
      link,
      { decision: "approve" },
      {
        "x-ms-client-principal": principal(APPROVER),
        "x-forwarded-for": "203.0.113.66",
        "client-ip": "203.0.113.67:4242",
      },
    );
    expect(reply.status).toBe(200);
    const [decision] = (await decisionState(demo, id)).decisions;
    expect(decision).toMatchObject({ approver: APPROVER, choice: "approve" });
    expect(decision).not.toHaveProperty("principal");
    expect(decision).not.toHaveProperty("clientAddress");
  });
});

describe("identity headers behind App Service authentication", () => {
  it("the principal and App Service's client-ip are recorded; X-Forwarded-For is not", async () => {
    demo = await signedInDemo();
    // Where self-approval is forbidden, only a signed-in requester may start; the harness declares one.
    await expect(demo.start("2025.05.00")).rejects.toThrow(/start: 401 .*sign-in-required/);
    const started = await fetch(`${demo.app.baseUrl}/api/upgrades`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-ms-client-principal": principal("ops@contoso.example") },
      body: JSON.stringify({ cluster: "demo", targetRelease: "2025.05.00" }),
    });
    expect(started.status).toBe(202);
    const run = ((await started.json()) as { id: string }).id;
    await demo.until(run, (r) => r.status === "awaiting-approval");
    const mailed = (await demo.links(run, APPROVER)).at(-1)!;
    const reply = await postDecision(
      mailed,
      { decision: "approve" },
      {
        "x-ms-client-principal": principal(APPROVER),
        "x-forwarded-for": "198.51.100.9",
        "client-ip": "203.0.113.67:4242",
      },
    );
    expect(reply.status).toBe(200);
    const [decision] = (await decisionState(demo, run)).decisions;
    expect(decision).toMatchObject({ principal: `aad:${APPROVER}`, clientAddress: "203.0.113.67" });
  });

  it("the dashboard wants a signed-in principal", async () => {
    demo = await signedInDemo();
    const anonymous = await fetchText(`${demo.app.baseUrl}/api/dashboard`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain("demo-");
    const run = await fetchText(`${demo.app.baseUrl}/api/dashboard/runs/demo-20260105t090000z-3f9a1c`);
    expect(run.status).toBe(401);
    const signedIn = await fetchText(`${demo.app.baseUrl}/api/dashboard`, {
      headers: { "x-ms-client-principal": principal("ops@contoso.example") },
    });
    expect(signedIn.status).toBe(200);
  });
});

describe("a dashboard turned off", () => {
  it("answers 404 on every page", async () => {
    process.env.DASHBOARD = "off";
    try {
      demo = await startDemo();
      for (const route of [
        "/api/dashboard",
        "/api/dashboard/runs/demo-20260105t090000z-3f9a1c",
        "/api/dashboard/outbox",
      ])
        expect((await fetchText(`${demo.app.baseUrl}${route}`)).status).toBe(404);
    } finally {
      delete process.env.DASHBOARD;
    }
  });
});

describe("a requester who did not sign in", () => {
  it("naming only a display name cannot start where self-approval is forbidden, so cannot approve their own", async () => {
    demo = await startDemo();
    const reply = await demo.api<{ error: { code: string } }>("POST", "/api/upgrades", {
      cluster: "demo",
      targetRelease: "2025.05.00",
      requestedBy: { name: "Approver Themself" },
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("sign-in-required");
  });

  it("behind App Service authentication, cannot start with a declared identity at all", async () => {
    demo = await signedInDemo();
    const reply = await demo.api<{ error: { code: string } }>("POST", "/api/upgrades", {
      cluster: "demo",
      targetRelease: "2025.05.00",
      requestedBy: { name: "Ops", email: "ops@contoso.example" },
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("sign-in-required");
  });

  it("is not mailed at an address outside the profile, and what they typed is quoted as theirs", async () => {
    demo = await startDemo();
    const { id } = await awaitingApproval(demo, APPROVER, "2025.05.00", {
      requestedBy: { name: "IT Service Desk", email: "victim@elsewhere.example" },
    });
    const by = "IT Security: your account is locked, sign in at https://evil.example/reset";
    expect((await demo.api("POST", `/api/upgrades/${id}/cancel`, { by })).status).toBe(202);
    expect((await demo.finished(id)).status).toBe("cancelled");
    const mails = await demo.mails();
    expect(mails.flatMap((m) => m.to)).not.toContain("victim@elsewhere.example");
    const closing = mails.find((m) => m.subject.includes("failed"))!;
    expect(closing.to).toContain("operators@contoso.example");
    expect(closing.text).toContain(`an operator who is not signed in and wrote "${by}"`);
    expect(closing.text).toContain(
      'Requested by someone not signed in (the requester wrote: "IT Service Desk <victim@elsewhere.example>")',
    );
    expect(closing.text).not.toMatch(/cancelled by IT Security/);
  });
});
