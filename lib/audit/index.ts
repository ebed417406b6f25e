/** The audit trail of upgrade runs: the record (pure), its Markdown, and the sinks that keep it. */
export { buildAuditRecord, redactStrings, type AuditSource } from "./build.js";
export { chainDowntime, computeDowntime, DOWNTIME_METHOD } from "./downtime.js";
export { auditMarkdown, formatDuration } from "./markdown.js";
export {
  AUDIT_SCHEMA,
  AuditRecordSchema,
  type AuditRecord,
  type Downtime,
  type EmailSent,
  type HelmCommand,
} from "./record.js";
export {
  auditBlobName,
  BlobAuditSink,
  clusterOfRunId,
  FileAuditSink,
  type AuditSink,
  type AuditWrite,
} from "./sink.js";
