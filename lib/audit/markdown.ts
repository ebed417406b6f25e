/** The audit record as Markdown, for change tickets and wikis: the same facts as the JSON, in reading order. */
import type { AuditRecord } from "./record.js";

/** Table cells: one line; pipes, HTML and link/image syntax escaped (user text must not become a link). */
const cell = (value: string | number | boolean | undefined): string =>
  value === undefined || value === null || value === ""
    ? "–"
    : String(value)
        .replace(/([\\|<>[\]()!])/g, "\\$1")
        .replace(/\r?\n/g, " ");

/** Inline text outside tables: Markdown's active characters escaped. */
const plain = (value: string | number | undefined): string =>
  String(value ?? "")
    .replace(/([\\`*_[\]()!<>#|])/g, "\\$1")
    .replace(/\r?\n/g, " ");

/** A fenced block whose fence is longer than any run of backticks inside. */
function fenced(body: string, info = ""): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${body.replace(/\n$/, "")}\n${fence}`;
}

function table(headers: string[], rows: (string | number | boolean | undefined)[][]): string {
  return [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** `1 h 02 min 05 s`, or `42 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "unknown";
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min ${String(s).padStart(2, "0")} s`;
  if (m > 0) return `${m} min ${String(s).padStart(2, "0")} s`;
  return `${s} s`;
}

function downtimeLine(record: AuditRecord): string {
  const d = record.downtime;
  if (!d.startedAt) return "none: no Helm upgrade ran";
  const span = `${d.startedAt} → ${d.endedAt ?? "not confirmed back"}`;
  return `${formatDuration(d.durationMs)}${d.confirmed ? "" : " (at least; the UI was not verified back)"}, ${span}`;
}

export function auditMarkdown(record: AuditRecord, level = 1): string {
  const h = (n: number) => "#".repeat(Math.min(6, level + n - 1));
  const out: string[] = [];
  const requester = [record.requestedBy.name, record.requestedBy.email ? `<${record.requestedBy.email}>` : ""]
    .filter(Boolean)
    .join(" ");
  out.push(`${h(1)} Upgrade audit: ${plain(record.runId)}`);
  out.push(
    table(
      ["Fact", "Value"],
      [
        ["Cluster", `${record.cluster} (${record.environment})`],
        ["Release", `${record.fromRelease ?? "?"} → ${record.toRelease}`],
        ["Chart", record.plan ? `${record.plan.fromChart} → ${record.plan.toChart}` : undefined],
        ["Mode", record.mode],
        ["Requested by", requester],
        ["Requested at", record.requestedAt],
        ["Outcome", `${record.outcome.status}: ${record.outcome.reason}`],
        ["Ended at", record.outcome.endedAt],
        ["Approved by", approvers(record)],
        ["Downtime", downtimeLine(record)],
        ["Helm revisions", `${record.helm.revisionBefore ?? "?"} → ${record.helm.revisionAfter ?? "unchanged"}`],
        ...(record.hopOf ? [["Hop of", record.hopOf]] : []),
      ],
    ),
  );

  out.push(`${h(2)} Approvals`);
  out.push(
    `Approvers: ${plain(record.approvals.approvers.join(", ") || "none")}; ${record.approvals.required} required; self-approval ${record.approvals.selfApproval ? "allowed" : "refused"}.`,
  );
  out.push(
    record.approvals.decisions.length === 0
      ? "No decision was recorded."
      : table(
          ["Decision", "By", "Choice", "At", "Reason", "Signed-in identity", "Client address"],
          record.approvals.decisions.map((d) => [
            d.kind,
            d.approver,
            d.choice,
            d.decidedAt,
            d.reason,
            d.principal,
            d.clientAddress,
          ]),
        ),
  );
  const refused = record.approvals.refused ?? [];
  if (refused.length > 0) {
    out.push("Refused, not counted: decisions without the approval route's valid signature.");
    out.push(
      table(
        ["Decision", "Claimed by", "Choice", "At", "Signature", "Why"],
        refused.map((d) => [d.kind, d.approver, d.choice, d.decidedAt, d.signed, d.refusal]),
      ),
    );
  }

  const overrides = record.approvals.blockedDayOverrides ?? [];
  if (overrides.length > 0) {
    out.push("Blocked day overridden: the change was let start on a day the cluster's policy blocks.");
    out.push(
      table(
        ["By", "Day", "Start", "Reason", "Decided", "Signature"],
        overrides.map((o) => [o.approver, o.day, o.startsAt, o.reason, o.decidedAt, o.signed]),
      ),
    );
  }
  if (record.schedule) {
    const s = record.schedule;
    const window = s.window ? ` in the maintenance window ${s.window.opensAt} to ${s.window.closesAt}` : "";
    out.push(
      `Scheduled start: ${plain(s.startsAt)}${plain(window)}; blocked days: ${plain(s.blockedDays.join(", ") || "none")}${s.timeZone ? ` (${plain(s.timeZone)})` : ""}.`,
    );
  }

  out.push(`${h(2)} Timeline`);
  out.push(
    table(
      ["Stage", "State", "Started", "Ended", "Duration", "Note"],
      record.stages.map((s) => [
        s.name,
        s.state,
        s.startedAt,
        s.endedAt,
        s.durationMs === undefined ? undefined : formatDuration(s.durationMs),
        s.note,
      ]),
    ),
  );

  out.push(`${h(2)} Downtime`);
  out.push(`${plain(downtimeLine(record))}.`);
  out.push(`_How it is computed:_ ${plain(record.downtime.method)}`);

  out.push(`${h(2)} Helm`);
  if (record.helm.revisions.length > 0)
    out.push(
      table(
        ["Revision", "Status", "Chart", "App version", "Description", "Updated"],
        record.helm.revisions.map((r) => [
          r.revision,
          r.status,
          r.chartVersion,
          r.appVersion,
          r.description,
          r.updatedAt,
        ]),
      ),
    );
  if (record.helm.commands.length === 0) out.push("No Helm command was run.");
  for (const c of record.helm.commands) {
    const title = `${c.kind}${c.phase ? ` (${c.phase}${c.attempt ? `, attempt ${c.attempt}` : ""})` : ""}`;
    out.push(
      `- ${plain(title)} at ${plain(c.at ?? "?")}: ${plain(c.started ? (c.resumed ? "resumed an earlier start" : "started") : "not started")}${c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ""}${c.outcome && c.outcome !== `exit code ${c.exitCode}` ? `, ${plain(c.outcome)}` : ""}`,
    );
    if (c.timeoutGrace)
      out.push(
        `  Helm timed out; the pods were watched for the grace: ${plain(c.timeoutGrace.ok ? "the release came up" : "the release did not come up")} (${plain(c.timeoutGrace.summary)})`,
      );
    if (c.command) out.push(fenced(c.command, "sh"));
  }
  if (record.chartCheck)
    out.push(
      `Chart check at ${plain(record.chartCheck.at)}: ${plain(record.chartCheck.ok ? "the target chart resolves" : record.chartCheck.summary)}`,
    );

  if (record.procedure?.length) {
    out.push(`${h(2)} Release page steps`);
    out.push(
      table(
        ["Phase", "Step", "Outcome", "Exit code", "Ended", "Command", "Output"],
        record.procedure.map((s) => [s.phase, s.id, s.outcome, s.exitCode ?? "", s.endedAt ?? "", s.command, s.output]),
      ),
    );
  }

  if (record.preChecks) {
    const p = record.preChecks;
    out.push(`${h(2)} Pre-check evidence`);
    out.push(
      table(
        ["Check", "Result"],
        [
          [
            "UI",
            `${p.ui.ok ? "answers" : "not answering"} (${p.ui.status ?? p.ui.error ?? "no status"}, ${p.ui.elapsedMs} ms)`,
          ],
          [
            "Pods",
            `${p.pods.ready}/${p.pods.total} ready, ${p.pods.completed} completed${p.pods.problems.map((x) => `; ${x.pod} ${x.reason}`).join("")}`,
          ],
          ["Server log", `${p.logs.errorLines.length} ERR/FTL line(s) in the last ${p.logs.windowSeconds} s`],
          [
            "Queues",
            p.queues.ok ? (p.queues.depths ?? []).map((q) => `${q.name}=${q.messages}`).join(", ") : p.queues.reason,
          ],
        ],
      ),
    );
    if (p.logs.errorLines.length > 0) out.push(fenced(p.logs.errorLines.join("\n"), "text"));
  }

  if (record.dataUpgrade) {
    const d = record.dataUpgrade;
    out.push(`${h(2)} Data upgrade`);
    out.push(
      table(
        ["Fact", "Value"],
        [
          ["To version", d.toVersion],
          [
            "Resource",
            d.resource ? `${d.resource.name} ${d.resource.phase ?? ""} ${d.resource.message ?? ""}`.trim() : undefined,
          ],
          ["Result", `${d.ok ? "succeeded" : "not confirmed"}: ${d.summary}`],
        ],
      ),
    );
    if (d.response) out.push(fenced(d.response.line, "text"));
  }

  out.push(...snapshotSections(record, h));

  if (record.verification) {
    const v = record.verification;
    out.push(`${h(2)} Verification`);
    out.push(`${v.ok ? "Verified" : "Not verified"}: ${plain(v.summary)}.`);
  }

  if (record.diagnosis) {
    const d = record.diagnosis;
    out.push(`${h(2)} Diagnosis`);
    if (d.error) out.push(`The pods' symptoms could not be read: ${plain(d.error)}.`);
    if (d.pods.length > 0)
      out.push(
        table(
          ["Pod", "Container", "Symptom", "Likely cause", "Key line"],
          d.pods.map((p) => [p.pod, p.container, p.symptom, p.cause, p.line]),
        ),
      );
  }

  if (record.overrunNotices?.length) {
    out.push(`${h(2)} Overrun updates`);
    out.push(
      table(
        ["At", "Times the expected downtime", "Stage"],
        record.overrunNotices.map((n) => [n.at, n.factor, n.stage]),
      ),
    );
  }

  out.push(`${h(2)} E-mails`);
  out.push(
    record.emails.length === 0
      ? "No e-mail was sent."
      : table(
          ["At", "Kind", "Recipients", "Sent", "Message id"],
          record.emails.map((m) => [
            m.at,
            m.kind,
            m.recipients?.join(", ") ??
              (m.recipientCount !== undefined ? `${m.recipientCount} recipient(s)` : undefined),
            m.ok ? "yes" : `no: ${(m.failures ?? []).map((f) => `${f.recipient} ${f.reason}`).join("; ")}`,
            m.messageId,
          ]),
        ),
  );

  if (record.plan) {
    const p = record.plan;
    out.push(`${h(2)} Plan`);
    out.push(
      `Values file ${plain(p.valuesFile)}, from revision ${p.fromRevision}; ${p.changes.length} change(s), ${p.warnings.length} warning(s), ${p.blockers.length} blocker(s); expected downtime about ${p.expectedDowntimeMinutes} min.`,
    );
    for (const w of p.warnings) out.push(`- warning ${plain(w.code)}: ${plain(w.message)}`);
    for (const b of p.blockers) out.push(`- blocker ${plain(b.code)}: ${plain(b.message)}`);
    out.push(
      `Values diff (secrets redacted${p.diffTruncated ? ", cut to fit" : ""}; sha256 of the whole diff \`${p.diffSha256}\`):`,
    );
    out.push(fenced(p.diff || "(no change)", "diff"));
  }

  if (record.events.length > 0) {
    out.push(`${h(2)} Events`);
    out.push(record.events.map((e) => `- ${plain(e.at)} ${plain(e.message)}`).join("\n"));
  }

  for (const hop of record.hops ?? []) out.push(auditMarkdown(hop, level + 1));
  out.push(`_Record built ${plain(record.builtAt)} from the run's orchestration history (${plain(record.schema)})._`);
  return `${out.join("\n\n")}\n`;
}

function approvers(record: AuditRecord): string {
  const yes = record.approvals.decisions.filter((d) => d.kind === "approval" && d.choice === "approve");
  return yes.length === 0 ? "nobody" : yes.map((d) => `${d.approver} at ${d.decidedAt}`).join(", ");
}

/** The snapshot set (name, claim, size, ready time, content handle), the restore from it and retention. */
function snapshotSections(record: AuditRecord, h: (n: number) => string): string[] {
  const out: string[] = [];
  const s = record.snapshots;
  if (s) {
    out.push(`${h(2)} Snapshots`);
    out.push(
      `${s.ok ? "Taken" : "Not taken"} with class ${plain(s.className)}${s.classCreated ? " (created by the run)" : ""}: ${plain(s.summary)}.`,
    );
    out.push(
      table(
        ["Snapshot", "Claim", "Restore size", "Ready at", "Content", "Handle"],
        s.set.map((x) => [x.name, x.pvc, x.restoreSize, x.readyAt ?? x.error, x.content, x.handle]),
      ),
    );
    const uncovered = s.coverage.filter((c) => !c.covered);
    if (uncovered.length > 0)
      out.push(
        table(
          ["Claim not covered", "Why", "Waived"],
          uncovered.map((c) => [c.pvc, c.reason, c.waived ? "yes" : "no"]),
        ),
      );
    if (s.quiesced.length > 0)
      out.push(
        `Stopped while the snapshots were cut: ${s.quiesced.map((w) => `${w.kind} ${w.name} (${w.replicas})`).join(", ")}.`,
      );
  }
  if (record.restoreOf) {
    const o = record.restoreOf;
    out.push(`${h(2)} Restore of ${plain(o.runId)}`);
    out.push(
      `Asked to put back the snapshot set of ${plain(o.runId)} and roll back to revision ${o.toRevision} (${plain(o.fromRelease)}, chart ${plain(o.fromChart)}): ${plain(o.reason)}.`,
    );
    out.push(
      table(
        ["Snapshot", "Claim", "Restore size", "Ready at"],
        o.set.map((x) => [x.name, x.pvc, x.restoreSize, x.readyAt]),
      ),
    );
    if (o.revisionsSince.length > 0)
      out.push(
        `The release had moved on since: ${o.revisionsSince.map((r) => `revision ${r.revision} (${plain(r.appVersion)}, chart ${plain(r.chartVersion)}, ${plain(r.status)})`).join(", ")}.`,
      );
  }
  if (record.restore) {
    const r = record.restore;
    out.push(`${h(2)} Restore`);
    out.push(`${r.ok ? "Restored" : "Not restored"}: ${plain(r.summary)}.`);
    if (r.retainedVolumes.length > 0)
      out.push(`Replaced volumes kept (reclaim policy Retain): ${r.retainedVolumes.join(", ")}.`);
  }
  if (record.retention) out.push(`${h(2)} Snapshot retention`, `${plain(record.retention.summary)}.`);
  const p = record.prePull;
  if (p) {
    out.push(`${h(2)} Image pre-pull`);
    out.push(
      `Policy ${p.mode}; ${p.images.length} image(s): ${p.images.map(plain).join(", ")}.` +
        (p.summary ? ` ${p.ok ? "Done" : "Not done"}: ${plain(p.summary)}.` : ""),
    );
    for (const f of p.check?.findings ?? []) out.push(`Blocker: ${plain(f.message)}.`);
    if (p.nodes?.length)
      out.push(
        table(
          ["Node", "Pulled", "Missing", "Bytes", "Took (s)"],
          p.nodes.map((n) => [
            n.node,
            String(n.pulled.length),
            [...n.missing, ...n.unknown.map((u) => `${u} (unknown)`)].join(", ") || undefined,
            String(n.bytes),
            n.durationMs === undefined ? undefined : String(Math.round(n.durationMs / 1000)),
          ]),
        ),
      );
  }
  return out;
}
