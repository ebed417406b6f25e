/**
 * Does the CluedIn UI answer? One GET within a time budget (the runbook expects pages within 5 s), following
 * redirects on the same host only: a redirect elsewhere (the SSO login page) already proves the UI is up.
 */
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { trustedCas } from "./tls.js";
import type { UiProbe } from "./types.js";

export interface UiProbeOptions {
  budgetMs?: number;
  /** PEM of one more CA to trust (the simulator, a TLS-inspecting proxy). */
  extraCaPem?: string;
}

const maxRedirects = 5;

interface Answer {
  status: number;
  location?: string;
}

function get(url: URL, signal: AbortSignal, ca: string[] | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage): void => {
      response.resume();
      const location = response.headers.location;
      resolve({ status: response.statusCode ?? 0, ...(location !== undefined ? { location } : {}) });
    };
    const request =
      url.protocol === "https:"
        ? https.get(url, { signal, agent: false, ...(ca ? { ca } : {}) }, onResponse)
        : http.get(url, { signal, agent: false }, onResponse);
    request.on("error", reject);
  });
}

function describe(error: unknown, budgetMs: number): string {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === "AbortError" || e.name === "TimeoutError") return `no answer within ${budgetMs} ms`;
  return e.code ? `${e.code}: ${e.message ?? ""}`.trim() : (e.message ?? String(error));
}

/** Never throws: a UI that is down, slow or unreachable is an answer with `ok: false`. */
export async function probeUi(url: string, options: UiProbeOptions = {}): Promise<UiProbe> {
  const budgetMs = options.budgetMs ?? 5000;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(budgetMs);
  const ca = options.extraCaPem ? trustedCas(options.extraCaPem) : undefined;
  try {
    let target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      return { ok: false, elapsedMs: elapsed(), error: `unsupported URL scheme ${target.protocol}` };
    }
    for (let hop = 0; ; hop++) {
      const answer = await get(target, signal, ca);
      const isRedirect = answer.status >= 300 && answer.status < 400 && answer.location !== undefined;
      if (!isRedirect)
        return { ok: answer.status >= 200 && answer.status < 400, status: answer.status, elapsedMs: elapsed() };
      const next = new URL(answer.location ?? "", target);
      if (next.host !== target.host) return { ok: true, status: answer.status, elapsedMs: elapsed() };
      if (hop >= maxRedirects) {
        return { ok: false, status: answer.status, elapsedMs: elapsed(), error: "too many redirects" };
      }
      target = next;
    }
  } catch (error) {
    return { ok: false, elapsedMs: elapsed(), error: describe(error, budgetMs) };
  }
}
