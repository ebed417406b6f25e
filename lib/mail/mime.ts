/**
 * RFC 5322 / MIME messages for the outbox: a multipart/alternative with a text and an HTML part, both UTF-8 and
 * quoted-printable (RFC 2045), header values folded and non-ASCII text as RFC 2047 encoded words. And the reverse,
 * enough to read back what `buildEml` writes (and ordinary mail like it).
 */

const crlf = "\r\n";
const maxLine = 78;
/** An encoded word is at most 75 characters: `=?UTF-8?B?` + 60 base64 characters (45 bytes) + `?=`. */
const maxEncodedWordBytes = 45;

const isPrintableAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

/** RFC 2047 B-encoded words, each a whole number of code points; the first may be shorter to fit after a name. */
export function encodedWords(text: string, firstWordBytes = maxEncodedWordBytes): string[] {
  const words: string[] = [];
  let chunk = "";
  for (const char of text) {
    const limit = words.length === 0 ? firstWordBytes : maxEncodedWordBytes;
    if (chunk !== "" && Buffer.byteLength(chunk + char, "utf8") > limit) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  if (chunk !== "" || words.length === 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, "utf8").toString("base64")}?=`);
}

/** Greedy folding at the given separators so that lines stay within 78 characters where the tokens allow. */
function fold(name: string, tokens: string[], separator: string): string {
  let line = `${name}:`;
  const lines: string[] = [];
  tokens.forEach((token, index) => {
    const piece = index === 0 ? ` ${token}` : `${separator}${token}`;
    if (index > 0 && line.length + piece.length > maxLine) {
      lines.push(line + separator.trimEnd());
      line = ` ${token}`;
    } else {
      line += piece;
    }
  });
  lines.push(line);
  return lines.join(crlf);
}

/** One header line, folded; unstructured text becomes encoded words when it is not printable ASCII. */
export function formatHeader(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`);
  // Text that merely looks like an encoded word is encoded too, so that reading it back cannot change it.
  if (isPrintableAscii(value) && !value.includes("=?")) return fold(name, value.split(" "), " ");
  // `Name: =?UTF-8?B?...?=` must fit in one line: 12 characters of word syntax, 4 base64 characters per 3 bytes.
  const firstWordBytes = Math.max(3, Math.min(maxEncodedWordBytes, Math.floor((maxLine - name.length - 14) / 4) * 3));
  return fold(name, encodedWords(value, firstWordBytes), " ");
}

/** `Name <address>` or a bare address, with the display name quoted or encoded as needed. */
export function formatMailbox(mailbox: string): string {
  const match = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(mailbox);
  if (!match?.[2]) return mailbox.trim();
  const [, name = "", address] = match;
  if (name === "") return address;
  if (!isPrintableAscii(name)) return `${encodedWords(name).join(" ")} <${address}>`;
  const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name);
  return `${atom ? name : `"${name.replace(/(["\\])/g, "\\$1")}"`} <${address}>`;
}

export function formatAddressList(name: string, mailboxes: string[]): string {
  return fold(name, mailboxes.map(formatMailbox), ", ");
}

/** RFC 5322 date-time in UTC: `Mon, 05 Jan 2026 09:00:00 +0000`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

export function encodeQuotedPrintable(text: string): string {
  return text
    .replace(/\r\n|\r/g, "\n")
    .split("\n")
    .map((line) => {
      const bytes = Buffer.from(line, "utf8");
      let out = "";
      let current = "";
      bytes.forEach((byte, index) => {
        const last = index === bytes.length - 1;
        const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
        const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
        if (current.length + token.length > 75) {
          out += `${current}=${crlf}`;
          current = "";
        }
        current += token;
      });
      return out + current;
    })
    .join(crlf);
}

export function decodeQuotedPrintable(encoded: string): string {
  const joined = encoded.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const char = joined[i] ?? "";
    const hex = joined.slice(i + 1, i + 3);
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8").replace(/\r\n/g, "\n");
}

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toUpperCase() === "B"
      ? Buffer.from(text, "base64")
      : Buffer.from(
          text
            .replace(/_/g, " ")
            .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          "latin1",
        );
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString("utf8");
  }
}

/** Decodes RFC 2047 encoded words; whitespace between two adjacent encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, "$1")
    .replace(word, (_m, charset: string, encoding: string, text: string) => decodeWord(charset, encoding, text));
}

export interface EmlInput {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Without angle brackets. */
  messageId: string;
  date: Date;
  boundary: string;
}

function part(contentType: string, body: string): string {
  return [
    `Content-Type: ${contentType}; charset=UTF-8`,
    "Content-Transfer-Encoding: quoted-printable",
    "",
    encodeQuotedPrintable(body),
  ].join(crlf);
}

export function buildEml(input: EmlInput): string {
  const headers = [
    formatAddressList("From", [input.from]),
    formatAddressList("To", input.to),
    ...(input.cc && input.cc.length > 0 ? [formatAddressList("Cc", input.cc)] : []),
    formatHeader("Subject", input.subject),
    formatHeader("Date", formatDate(input.date)),
    formatHeader("Message-ID", `<${input.messageId}>`),
    "MIME-Version: 1.0",
    ...Object.entries(input.headers ?? {}).map(([name, value]) => formatHeader(name, value)),
    `Content-Type: multipart/alternative; boundary="${input.boundary}"`,
  ];
  return [
    ...headers,
    "",
    "This is a multi-part message in MIME format.",
    `--${input.boundary}`,
    part("text/plain", input.text),
    `--${input.boundary}`,
    part("text/html", input.html),
    `--${input.boundary}--`,
    "",
  ].join(crlf);
}

export interface ParsedEml {
  messageId: string;
  date: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  /** Every header, decoded, by the name it was written with. */
  headers: Record<string, string>;
}

function splitHead(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  return match
    ? { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) }
    : { head: raw, body: "" };
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim()] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return headers;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (header(headers, "Content-Transfer-Encoding") ?? "7bit").toLowerCase();
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body.replace(/\r\n/g, "\n");
}

function addresses(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export function parseEml(raw: string): ParsedEml {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const contentType = header(headers, "Content-Type") ?? "text/plain";
  const parsed: ParsedEml = {
    messageId: (header(headers, "Message-ID") ?? "").replace(/^<|>$/g, ""),
    date: header(headers, "Date") ?? "",
    from: header(headers, "From") ?? "",
    to: addresses(header(headers, "To")),
    cc: addresses(header(headers, "Cc")),
    subject: header(headers, "Subject") ?? "",
    text: "",
    html: "",
    headers,
  };
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((chunk) => !chunk.startsWith("--"))
        .map((chunk) => splitHead(chunk.replace(/^\r?\n/, "").replace(/\r?\n$/, "")))
        .map(({ head: partHead, body: partBody }) => ({ headers: parseHeaders(partHead), body: partBody }))
    : [{ headers, body }];
  for (const { headers: partHeaders, body: partBody } of parts) {
    const type = (header(partHeaders, "Content-Type") ?? "text/plain").toLowerCase();
    if (type.startsWith("text/html")) parsed.html = decodeBody(partHeaders, partBody);
    else if (type.startsWith("text/plain")) parsed.text = decodeBody(partHeaders, partBody);
  }
  return parsed;
}
