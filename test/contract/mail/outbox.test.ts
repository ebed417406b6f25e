import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxTransport, readOutbox } from "../../../lib/mail/outbox.js";
import type { MailMessage } from "../../../lib/mail/types.js";

let dir: string;
const hasPython = spawnSync("python3", ["--version"]).status === 0;

const message: MailMessage = {
  to: ["ops@example.com", "lead@example.com"],
  cc: ["audit@example.com"],
  subject: "Mise à niveau de « prod » vers 2025.05.00 : approbation requise ✓",
  text: `Bonjour,\n\nApprove: https://upgrade.example.com/api/approvals/${"a".repeat(120)}\n\n— CluedIn Upgrade\n`,
  html: `<p>Bonjour,</p><p><a href="https://upgrade.example.com/api/approvals/${"a".repeat(120)}">Approuver</a> ✓</p>`,
  headers: { "X-CluedIn-Upgrade-Run": "run-42" },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "outbox-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("OutboxTransport", () => {
  it("writes one .eml per mail that reads back as sent", async () => {
    const outbox = path.join(dir, "roundtrip");
    const transport = new OutboxTransport({ dir: outbox, from: "CluedIn Upgrade <upgrade@example.com>" });
    const result = await transport.send(message);
    expect(result.ok).toBe(true);
    const files = await readdir(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{12}\.eml$/);
    const [mail] = await readOutbox(outbox);
    expect(mail).toMatchObject({
      file: files[0],
      messageId: result.ok ? result.messageId : "",
      from: "CluedIn Upgrade <upgrade@example.com>",
      to: message.to,
      cc: message.cc,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    expect(mail?.headers["X-CluedIn-Upgrade-Run"]).toBe("run-42");
    expect(mail?.messageId).toMatch(/@example\.com$/);
  });

  it("keeps every line within RFC 5322 limits", async () => {
    const outbox = path.join(dir, "limits");
    await new OutboxTransport({ dir: outbox, from: "upgrade@example.com" }).send(message);
    const [file] = await readdir(outbox);
    const raw = await readFile(path.join(outbox, file!), "utf8");
    const lines = raw.split("\r\n");
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?B\?/m);
  });

  it.skipIf(!hasPython)("writes mail an independent MIME parser reads the same way", async () => {
    const outbox = path.join(dir, "python");
    await new OutboxTransport({ dir: outbox, from: "Jörg Upgrade <upgrade@example.com>" }).send(message);
    const [file] = await readdir(outbox);
    const script = [
      "import email, email.policy, json, sys",
      "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)",
      "print(json.dumps({'subject': str(m['subject']), 'from': str(m['from']), 'to': str(m['to']),",
      "  'type': m.get_content_type(), 'defects': len(m.defects),",
      "  'text': m.get_body(('plain',)).get_content(), 'html': m.get_body(('html',)).get_content()}))",
    ].join("\n");
    const parsed = JSON.parse(
      execFileSync("python3", ["-c", script, path.join(outbox, file!)]).toString("utf8"),
    ) as Record<string, unknown>;
    expect(parsed).toEqual({
      subject: message.subject,
      from: "Jörg Upgrade <upgrade@example.com>",
      to: "ops@example.com, lead@example.com",
      type: "multipart/alternative",
      defects: 0,
      text: message.text,
      html: message.html,
    });
  });

  it("names files so that name order is time order", async () => {
    const outbox = path.join(dir, "order");
    let now = Date.UTC(2026, 0, 5, 9, 0, 0);
    const transport = new OutboxTransport({ dir: outbox, from: "upgrade@example.com", now: () => now });
    for (const subject of ["first", "second", "third"]) {
      await transport.send({ ...message, subject });
      now += subject === "second" ? 0 : 1;
    }
    now -= 10_000;
    await transport.send({ ...message, subject: "earlier" });
    expect((await readOutbox(outbox)).map((m) => m.subject)).toEqual(["earlier", "first", "second", "third"]);
  });

  it("leaves no temporary files behind and ignores foreign ones", async () => {
    const outbox = path.join(dir, "atomic");
    const transport = new OutboxTransport({ dir: outbox, from: "upgrade@example.com" });
    await Promise.all([1, 2, 3, 4, 5].map((n) => transport.send({ ...message, subject: `mail ${n}` })));
    await writeFile(path.join(outbox, ".half-written.eml.tmp"), "From: x");
    await writeFile(path.join(outbox, "README.txt"), "not a mail");
    const names = await readdir(outbox);
    expect(names.filter((n) => n.endsWith(".eml"))).toHaveLength(5);
    expect(await readOutbox(outbox)).toHaveLength(5);
  });

  it.each<[string, Partial<MailMessage>]>([
    ["no recipient", { to: [] }],
    ["a malformed address", { to: ["not-an-address"] }],
    ["a header injection through the subject", { subject: "hi\r\nBcc: victim@example.com" }],
    ["a header injection through a custom header", { headers: { "X-Run": "a\nBcc: victim@example.com" } }],
    ["a reserved header", { headers: { From: "spoof@example.com" } }],
  ])("refuses %s as a permanent failure, writing nothing", async (_name, change) => {
    const outbox = path.join(dir, "refused");
    const result = await new OutboxTransport({ dir: outbox, from: "upgrade@example.com" }).send({
      ...message,
      ...change,
    });
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(await readOutbox(outbox)).toEqual([]);
  });

  it("reads an absent outbox as empty", async () => {
    expect(await readOutbox(path.join(dir, "never-created"))).toEqual([]);
  });
});
