import { describe, expect, it } from "vitest";
import {
  buildEml,
  decodeEncodedWords,
  decodeQuotedPrintable,
  encodeQuotedPrintable,
  encodedWords,
  formatHeader,
  formatMailbox,
  parseEml,
} from "../../../lib/mail/mime.js";

describe("quoted-printable", () => {
  it.each([
    ["plain ASCII", "Hello, world"],
    ["an equals sign", "a=b"],
    ["UTF-8", "Grüße aus Zürich — ✓"],
    ["trailing spaces", "line with trailing space \nnext\t"],
    ["a long line", "x".repeat(200)],
    ["a long line of multibyte characters", "é".repeat(100)],
    ["a URL longer than a line", `https://upgrade.example.com/api/approvals/${"t".repeat(150)}?decision=approve`],
    ["empty lines", "a\n\n\nb\n"],
  ])("round-trips %s with lines of at most 76 characters", (_name, text) => {
    const encoded = encodeQuotedPrintable(text);
    for (const line of encoded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).not.toMatch(/[ \t]\r\n|[ \t]$/);
    expect(decodeQuotedPrintable(encoded)).toBe(text);
  });

  it("encodes what must be encoded", () => {
    expect(encodeQuotedPrintable("a=b é ")).toBe("a=3Db =C3=A9=20");
  });
});

describe("header encoding", () => {
  it("keeps printable ASCII readable", () => {
    expect(formatHeader("Subject", "Upgrade of prod to 2025.05.00 approved")).toBe(
      "Subject: Upgrade of prod to 2025.05.00 approved",
    );
  });

  it("encodes non-ASCII text as encoded words of at most 75 characters, folded", () => {
    const subject = "Mise à niveau de la production vers 2025.05.00 — approbation requise ✓ ".repeat(2).trim();
    const header = formatHeader("Subject", subject);
    for (const line of header.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    for (const word of encodedWords(subject)) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeEncodedWords(header.replace(/^Subject: /, "").replace(/\r\n /g, " "))).toBe(subject);
  });

  it("encodes text that only looks like an encoded word, so it reads back unchanged", () => {
    const header = formatHeader("Subject", "literal =?UTF-8?B?eA==?= text");
    expect(decodeEncodedWords(header.replace(/^Subject: /, "").replace(/\r\n /g, " "))).toBe(
      "literal =?UTF-8?B?eA==?= text",
    );
  });

  it("refuses a line break in a header value", () => {
    expect(() => formatHeader("X-Run", "a\r\nBcc: victim@example.com")).toThrow();
  });

  it.each([
    ["upgrade@example.com", "upgrade@example.com"],
    ["CluedIn Upgrade <upgrade@example.com>", "CluedIn Upgrade <upgrade@example.com>"],
    ["Upgrade, Team <upgrade@example.com>", '"Upgrade, Team" <upgrade@example.com>'],
    ["Jörg <j@example.com>", "=?UTF-8?B?SsO2cmc=?= <j@example.com>"],
  ])("formats the mailbox %j", (mailbox, formatted) => {
    expect(formatMailbox(mailbox)).toBe(formatted);
  });

  it("decodes Q-encoded words too", () => {
    expect(decodeEncodedWords("=?ISO-8859-1?Q?Andr=E9_Pirard?=")).toBe("André Pirard");
  });
});

describe("buildEml and parseEml", () => {
  const input = {
    from: "CluedIn Upgrade <upgrade@example.com>",
    to: ["ops@example.com", "lead@example.com"],
    cc: ["audit@example.com"],
    subject: "Approval needed: prod → 2025.05.00",
    text: "Approve: https://example.com/api/approvals/abc\n\nThanks",
    html: '<p>Approve <a href="https://example.com/api/approvals/abc">here</a></p>',
    headers: { "X-CluedIn-Upgrade-Run": "run-42" },
    messageId: "20260105T090000000Z.abc@example.com",
    date: new Date(Date.UTC(2026, 0, 5, 9, 0, 0)),
    boundary: "=_cluedin_upgrade_abc",
  };

  it("writes a multipart/alternative message with CRLF line ends", () => {
    const eml = buildEml(input);
    expect(eml).toContain('Content-Type: multipart/alternative; boundary="=_cluedin_upgrade_abc"\r\n');
    expect(eml).toContain("Date: Mon, 05 Jan 2026 09:00:00 +0000\r\n");
    expect(eml).toContain("Message-ID: <20260105T090000000Z.abc@example.com>\r\n");
    expect(eml).toContain("MIME-Version: 1.0\r\n");
    expect(eml.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(eml.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
    expect(eml.endsWith("--=_cluedin_upgrade_abc--\r\n")).toBe(true);
  });

  it("reads back what it wrote", () => {
    const parsed = parseEml(buildEml(input));
    expect(parsed).toMatchObject({
      messageId: input.messageId,
      date: "Mon, 05 Jan 2026 09:00:00 +0000",
      from: input.from,
      to: input.to,
      cc: input.cc,
      subject: input.subject,
      text: input.text,
      html: input.html,
    });
    expect(parsed.headers["X-CluedIn-Upgrade-Run"]).toBe("run-42");
  });

  it("reads a single-part base64 message", () => {
    const raw = [
      "From: a@example.com",
      "To: b@example.com",
      "Subject: =?UTF-8?B?w7xiZXI=?=",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("hällo\n").toString("base64"),
      "",
    ].join("\r\n");
    expect(parseEml(raw)).toMatchObject({ subject: "über", text: "hällo\n", html: "", to: ["b@example.com"] });
  });
});
