/**
 * Server-rendered pages: one layout, Eta templates with auto-escaping, headers that keep approval links out of
 * referrers and caches. Pages are readable on a phone and by keyboard and screen reader.
 */
import type { HttpResponseInit } from "@azure/functions";
import { Eta } from "eta";

export const eta = new Eta({ autoEscape: true, autoTrim: false });

const LAYOUT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title><%= it.title %> · cluedin-upgrade</title>
<style>
:root{color-scheme:light}
body{margin:0;font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1b1b1b;background:#f6f7f9;line-height:1.5}
header{background:#14324f;color:#fff;padding:10px 20px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1000px;margin:0 auto;padding:20px}
h1{font-size:1.5rem;margin:0 0 12px}h2{font-size:1.15rem;margin:24px 0 8px}
.card{background:#fff;border:1px solid #d0d4da;border-radius:6px;padding:16px;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e5e9;vertical-align:top}
pre{background:#0f1720;color:#e6edf3;padding:12px;border-radius:4px;overflow:auto;font-size:.85rem}
.add{color:#7ee787}.del{color:#ffa198}
label{display:block;font-weight:600;margin:8px 0 4px}
textarea,select,input[type=text]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #6b7280;border-radius:4px;font:inherit}
button{font:inherit;padding:10px 18px;border-radius:4px;border:2px solid transparent;cursor:pointer;margin:8px 8px 0 0}
button.primary{background:#0b5cad;color:#fff}button.danger{background:#b3261e;color:#fff}button.neutral{background:#e2e5e9;color:#1b1b1b}
button:focus-visible,a:focus-visible,textarea:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.status{display:inline-block;padding:2px 8px;border-radius:10px;font-size:.85rem;font-weight:600;background:#e2e5e9}
.s-completed{background:#d3f4dc;color:#0b5d1e}.s-failed,.s-halted,.s-rejected{background:#fde2e1;color:#8a1c14}
.s-running,.s-pending{background:#dbeafe;color:#1e3a8a}.s-awaiting-approval{background:#fff4ce;color:#6b4e00}.s-cancelled{background:#e2e5e9;color:#333}
.notice{border-left:4px solid #0b5cad;padding:8px 12px;background:#eef5fd}.warn{border-left-color:#b3261e;background:#fdf0ef}
.muted{color:#4b5563}
</style></head>
<body><header><a href="/">cluedin-upgrade</a></header>
<main id="main"><%~ it.body %></main></body></html>`;

export function renderPage(title: string, body: string): string {
  return eta.renderString(LAYOUT, { title, body });
}

export function htmlResponse(status: number, title: string, body: string): HttpResponseInit {
  return {
    status,
    body: renderPage(title, body),
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    },
  };
}

/** A unified diff as escaped lines with their kind, for colouring. */
export function diffLines(diff: string): { kind: "add" | "del" | "ctx"; text: string }[] {
  return diff.split("\n").map((text) => ({
    kind:
      text.startsWith("+") && !text.startsWith("+++")
        ? "add"
        : text.startsWith("-") && !text.startsWith("---")
          ? "del"
          : "ctx",
    text,
  }));
}
