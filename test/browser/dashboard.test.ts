/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core): start a demo upgrade from the form
 * after reading its plan, open the approval link from the outbox view, approve, and watch the run page reach
 * completed. Screenshots go to test-results/. Skipped, with a message, where chromium is not installed.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalApp, type LocalApp } from "../../local/app.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const SHOTS = path.resolve("test-results", "browser");
if (!hasChromium) console.warn(`browser tests skipped: no ${CHROMIUM} (apt-get install chromium)`);

let app: LocalApp;
let dir: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-browser-"));
  await mkdir(SHOTS, { recursive: true });
  app = await startLocalApp({ dir, port: 0, timeScale: 0.02 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const statusOf = (page: Page) => page.locator("[data-testid=run-status]").textContent();

describe.skipIf(!hasChromium)("dashboard in a browser", () => {
  it("starts an upgrade from the form, approves it from the outbox, and follows it to completed", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${app.baseUrl}/api/dashboard`);
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").textContent()).toBe("Skip to content");
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(1);

    await page.getByLabel("Cluster", { exact: true }).selectOption("demo");
    await page.getByLabel("Target release").selectOption("2025.05.00");
    await page.getByLabel("Requested by (name)").fill("Ops");
    await page.getByLabel("E-mail").fill("ops@contoso.example");
    const start = page.getByRole("button", { name: "Start upgrade" });
    expect(await start.isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Show the plan" }).click();
    await page.locator("#plan-result h3").first().waitFor();
    expect(await page.locator("#plan-result h3").first().textContent()).toBe("Plan: 2024.12.02 → 2025.05.00");
    expect(await page.locator("#plan-result").textContent()).toContain("data-upgrade");
    await expect.poll(() => start.isEnabled()).toBe(true);
    await shot(page, "1-plan");

    await start.click();
    await page.waitForURL(/\/api\/dashboard\/runs\/demo-/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe("awaiting-approval");
    expect(await page.locator("#approvals-heading + p").textContent()).toContain(
      "still to decide: approver@contoso.example",
    );
    await shot(page, "2-awaiting-approval");

    const inbox = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await inbox.goto(`${app.baseUrl}/api/dashboard/outbox`);
    await inbox
      .getByRole("link", { name: /Approval needed: upgrade to 2025\.05\.00/ })
      .first()
      .click();
    expect(await inbox.locator("dd a").first().textContent()).toBe(id);
    const decisionLink = inbox.getByRole("link", { name: "Open the decision page" });
    const href = (await decisionLink.getAttribute("href")) ?? "";
    // The token rides in the fragment; the page posts it in a form body, so no URL the browser requests holds it.
    expect(href).toMatch(/\/api\/approvals#v1\./);
    const token = href.split("#")[1] ?? "";
    await decisionLink.click();
    await inbox.getByLabel(/Reason/).fill("CHG-42 approved in the change board");
    expect(new URL(inbox.url()).pathname).toBe("/api/approvals/view");
    expect(inbox.url()).not.toContain(token);
    await shot(inbox, "3-approval-page");
    await inbox.getByRole("button", { name: "Approve" }).click();
    expect(await inbox.locator("h1").textContent()).toBe("Decision recorded");

    await expect.poll(() => statusOf(page), { timeout: 90_000, interval: 500 }).toBe("completed");
    const timeline = page.locator("svg.timeline");
    expect(await timeline.getAttribute("role")).toBe("img");
    expect(await timeline.locator("rect.bar-succeeded").count()).toBeGreaterThanOrEqual(8);
    expect(await page.locator("#progress").getAttribute("value")).toBe(
      await page.locator("#progress").getAttribute("max"),
    );
    const audit = await page.locator("#audit-heading + p + dl").textContent();
    expect(audit).toContain("approver@contoso.example");
    expect(audit).toMatch(/Downtime\d+ (s|min)/);
    await shot(page, "4-completed");
    await inbox.close();
    await page.close();
  }, 150_000);
});
