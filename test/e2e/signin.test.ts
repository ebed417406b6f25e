/**
 * The app behind App Service sign-in (infra/modules/functionapp.bicep: RedirectToLoginPage): every request on the
 * public host name without a session, Durable's management webhooks included, is redirected to the sign-in page.
 * The approval page reads the run's history server to server, so it must go through the durable client's local RPC
 * endpoint, which sign-in does not cover, and still show the approver the plan and the pre-check evidence.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLink } from "../security/support.js";
import { APPROVER, startDemo, type Demo } from "./harness.js";

describe("the approval page with sign-in in front of the management webhooks", () => {
  let demo: Demo;
  let id: string;
  let link: string;

  beforeAll(async () => {
    demo = await startDemo({ webhookSignIn: true });
    id = await demo.start("2025.05.00");
    await demo.until(id, (r) => r.status === "awaiting-approval" || r.finished);
    link = (await demo.links(id, APPROVER)).at(-1)!;
  });
  afterAll(() => demo.close());

  it("the public status URL of the run answers with the sign-in redirect", async () => {
    const { statusQueryGetUri } = demo.app.runtime.clientData().managementUrls;
    const url = statusQueryGetUri!.replace("INSTANCEID", encodeURIComponent(id));
    const response = await fetch(`${url}&showHistory=true&showHistoryOutput=true`, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/.auth/login/aad");
    expect(location.searchParams.get("post_login_redirect_uri")).toContain(`/instances/${id}`);
  });

  it("still renders the plan and the pre-check evidence, read from the run's history", async () => {
    expect(link).toBeDefined();
    // The page the mailed link opens posts the link's token to the decision page route.
    const { status, text: page } = await openLink(link);
    expect(status).toBe(200);
    expect(page).toContain("<h2>Plan</h2>");
    expect(page).toMatch(
      /<strong>Values file<\/strong> \S+ · chart \S+ → \S+ · diff sha256 <code>[0-9a-f]{16}<\/code>/,
    );
    expect(page).toContain('aria-label="Values diff (secrets redacted)"');
    expect(page).toContain("<h2>Pre-check evidence</h2>");
    expect(page).toMatch(/<th scope="row">Pods<\/th><td>\d+\/\d+ ready/);
    expect(page).toMatch(/ERR\/FTL line\(s\) in the last \d+ s/);
    expect(page).toContain('<form method="post"');
  });

  it("the decision taken on that page still reaches the run", async () => {
    const reply = await demo.decide(link, "approve", "CHG-42");
    expect(reply.status).toBe(200);
    const run = await demo.finished(id);
    expect(run.approvals.decisions).toEqual([expect.objectContaining({ approver: APPROVER, choice: "approve" })]);
  });
});
