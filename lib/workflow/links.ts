/** The app's public addresses that e-mails link to. Never Durable's management URLs: their key opens every run. */
export const runUrl = (base: string, runId: string): string =>
  `${base.replace(/\/$/, "")}/api/dashboard/runs/${encodeURIComponent(runId)}`;

/** The token rides in the fragment, which browsers never send: no request line, and so no request log, holds it. */
export const approvalUrl = (base: string, token: string): string =>
  `${base.replace(/\/$/, "")}/api/approvals#${encodeURIComponent(token)}`;
