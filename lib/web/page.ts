/**
 * Server-rendered pages: one layout, Eta templates with auto-escaping, headers that keep approval links out of
 * referrers and caches. Pages are readable on a phone and by keyboard and screen reader.
 */
import type { HttpResponseInit } from "@azure/functions";
import { Eta } from "eta";

export const eta = new Eta({ autoEscape: true, autoTrim: false });

/** Where the dashboard lives: under the Functions route prefix, so the same address works in Azure and locally. */
export const DASHBOARD_PATH = "/api/dashboard";

const LAYOUT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title><%= it.title %> · cluedin-upgrade</title>
<style>
:root{color-scheme:light}
body{margin:0;font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1b1b1b;background:#f6f7f9;line-height:1.5}
header{background:#14324f;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header nav a{font-weight:400;margin-right:16px;text-decoration:underline}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;color:#14324f;padding:8px;z-index:10}
main{max-width:1100px;margin:0 auto;padding:20px}
h1{font-size:1.5rem;margin:0 0 12px}h2{font-size:1.15rem;margin:24px 0 8px}
.card{background:#fff;border:1px solid #d0d4da;border-radius:6px;padding:16px;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e5e9;vertical-align:top}
pre{background:#0f1720;color:#e6edf3;padding:12px;border-radius:4px;overflow:auto;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
code{font-size:.85rem}
.add{color:#7ee787}.del{color:#ffa198}
label{display:block;font-weight:600;margin:8px 0 4px}
textarea,select,input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #6b7280;border-radius:4px;font:inherit;background:#fff}
.row{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end}.row>div{flex:1 1 180px}
button,.button{font:inherit;padding:10px 18px;border-radius:4px;border:2px solid transparent;cursor:pointer;margin:8px 8px 0 0;display:inline-block;text-decoration:none}
button[disabled]{opacity:.55;cursor:not-allowed}
button.primary,.button.primary{background:#0b5cad;color:#fff}button.danger{background:#b3261e;color:#fff}button.neutral,.button.neutral{background:#e2e5e9;color:#1b1b1b}
button:focus-visible,a:focus-visible,textarea:focus-visible,select:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.status{display:inline-block;padding:2px 8px;border-radius:10px;font-size:.85rem;font-weight:600;background:#e2e5e9}
.s-completed,.s-succeeded{background:#d3f4dc;color:#0b5d1e}.s-failed,.s-halted,.s-rejected{background:#fde2e1;color:#8a1c14}
.s-running,.s-pending{background:#dbeafe;color:#1e3a8a}.s-awaiting-approval{background:#fff4ce;color:#6b4e00}.s-cancelled,.s-skipped{background:#e2e5e9;color:#333}
.notice{border-left:4px solid #0b5cad;padding:8px 12px;background:#eef5fd}.warn{border-left-color:#b3261e;background:#fdf0ef}
.muted{color:#4b5563}.warn-text{color:#8a1c14;font-weight:600}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}.facts dt{font-weight:600}.facts dd{margin:0}
.timeline{width:100%;height:auto;display:block}
.bar-succeeded{fill:#1a7f37}.bar-failed{fill:#b3261e}.bar-running{fill:#0b5cad}.bar-skipped{fill:#8b95a1}
.axis{stroke:#6b7280;stroke-width:1}.grid{stroke:#e2e5e9;stroke-width:1}.tl-label{font-size:12px;fill:#1b1b1b}.tl-tick{font-size:11px;fill:#4b5563}
progress{width:100%;height:14px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><a href="${DASHBOARD_PATH}">cluedin-upgrade</a>
<nav aria-label="Main"><a href="${DASHBOARD_PATH}">Runs</a><a href="${DASHBOARD_PATH}#start">Start an upgrade</a><a href="${DASHBOARD_PATH}/waves">Waves</a><% if (it.outbox) { %><a href="${DASHBOARD_PATH}/outbox">Outbox</a><% } %></nav></header>
<main id="main" tabindex="-1"><%~ it.body %></main><% if (it.script) { %>
<script><%~ it.script %></script><% } %></body></html>`;

export interface PageOptions {
  /** Link the local outbox view (only when mail goes to the outbox). */
  outbox?: boolean;
  /** A script of the app's own, never built from data. */
  script?: string;
}

export function renderPage(title: string, body: string, options: PageOptions = {}): string {
  return eta.renderString(LAYOUT, { title, body, outbox: options.outbox ?? false, script: options.script });
}

export function htmlResponse(status: number, title: string, body: string, options: PageOptions = {}): HttpResponseInit {
  return {
    status,
    body: renderPage(title, body, options),
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
