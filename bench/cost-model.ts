/**
 * What one run costs in Azure, from what happened: function executions and active time on the Flex Consumption plan
 * (infra/modules/functionapp.bicep: FC1, instanceMemoryMB 2048 by default), the storage transactions the Azure Storage
 * durable provider (infra/main.bicep `durableStorageProvider=AzureStorage`) would make for the same histories, the
 * actions the Durable Task Scheduler (the default provider) would bill, and e-mails sent.
 *
 * Storage operations follow Azure/durabletask, src/DurableTask.AzureStorage (commit 52170329):
 * - an episode: the control-queue batch is fetched (ControlQueue.GetMessagesAsync, up to ControlQueueBatchSize 32),
 *   the history read (OrchestrationSessionManager.ScheduleOrchestrationStatePrefetch -> AzureTableTrackingStore.
 *   GetHistoryEventsAsync, one query per 1,000 rows), outbound messages enqueued one AddMessage each
 *   (AzureStorageOrchestrationService.CommitOutboundQueueMessages: activities to the work-item queue; timers,
 *   sub-orchestration starts and results to control queues), the new history rows written in batches of at most 99
 *   plus the sentinel row (AzureTableTrackingStore.UpdateStateAsync/UploadHistoryBatch, ExecuteBatchAsync), the
 *   Instances row merged (InsertOrMergeEntityAsync), and each consumed message deleted (DeleteMessageBatchAsync);
 * - an activity: its work-item message fetched, its result enqueued on the control queue and the work item deleted
 *   (LockNextTaskActivityWorkItem, CompleteTaskActivityWorkItemAsync);
 * - a client start: the existing instance's status read, the Instances row written and ExecutionStarted enqueued
 *   (CreateTaskOrchestrationAsync: FetchInstanceStatusAsync, SendTaskOrchestrationMessageInternalAsync,
 *   SetNewExecutionAsync); a raised event or termination: one AddMessage; a status read: one Instances query.
 * Each REST request is one billable transaction, a table batch included ("Understanding Windows Azure Storage
 * Billing", Azure Storage team blog, 2010-07-09). Left out: idle polling of empty queues and partition lease renewals
 * (time-based, not per run), payloads over the 45 KB message limit moved to blobs, and retries.
 */
import { DECISION_EVENT_TYPES, INBOX_EVENT_TYPES } from "../local/runtime/history.js";
import { EventType, type HistoryEvent } from "../local/runtime/index.js";

export interface StorageOps {
  queue: number;
  table: number;
}

/** Messages an episode consumes (and deletes), and the decisions it enqueues. */
const CONSUMED = new Set(INBOX_EVENT_TYPES);
const ENQUEUED = new Set(DECISION_EVENT_TYPES);
/** UploadHistoryBatch flushes at 99 rows; the sentinel row rides in the last batch. */
const HISTORY_BATCH_ROWS = 99;
const HISTORY_PAGE_ROWS = 1000;

/** Queue and table operations of every episode in one instance's history, its activities included. */
export function episodeStorageOps(history: readonly HistoryEvent[]): StorageOps {
  const ops: StorageOps = { queue: 0, table: 0 };
  let start = -1;
  const episode = (from: number, to: number): void => {
    const events = history.slice(from, to);
    const consumed = events.filter((e) => CONSUMED.has(e.EventType)).length;
    const enqueued = events.filter((e) => ENQUEUED.has(e.EventType)).length;
    ops.queue += 1 + enqueued + consumed;
    ops.table +=
      Math.max(1, Math.ceil(from / HISTORY_PAGE_ROWS)) + Math.ceil((events.length + 1) / HISTORY_BATCH_ROWS) + 1;
  };
  history.forEach((event, index) => {
    if (event.EventType === EventType.OrchestratorStarted) start = index;
    if (event.EventType === EventType.OrchestratorCompleted && start >= 0) episode(start, index + 1);
  });
  // Activities: fetch, result enqueued (deleted again as a consumed message above), work item deleted. A child's
  // outcome is enqueued by the child's last episode: counted once, as the parent's consumed message is.
  const activities = history.filter((e) => e.EventType === EventType.TaskScheduled).length;
  const childOutcomes = history.filter(
    (e) =>
      e.EventType === EventType.SubOrchestrationInstanceCompleted ||
      e.EventType === EventType.SubOrchestrationInstanceFailed,
  ).length;
  ops.queue += activities * 3 + childOutcomes;
  return ops;
}

export interface ClientCalls {
  starts: number;
  events: number;
  statusReads: number;
}

export function clientStorageOps(calls: ClientCalls): StorageOps {
  return { queue: calls.starts + calls.events, table: calls.starts * 2 + calls.statusReads };
}

/**
 * Durable Task Scheduler actions: every message it dispatches to the app (an orchestration or sub-orchestration
 * start, an activity start, a fired timer, a raised event, a termination, an activity's or child's result).
 * MicrosoftDocs, articles/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-dedicated-sku.md,
 * "What is an action?".
 */
export function schedulerActions(history: readonly HistoryEvent[]): number {
  return history.filter((e) => CONSUMED.has(e.EventType) || e.EventType === EventType.TaskScheduled).length;
}

export interface Prices {
  /** Flex Consumption, on demand, per GB-s of instance memory while executing. */
  gbSecond: number;
  /** Flex Consumption, on demand, per million executions. */
  perMillionExecutions: number;
  /** Queue Storage (general-purpose v2, LRS) per 10,000 operations. */
  queuePer10k: number;
  /** Table Storage (LRS) per 10,000 transactions. */
  tablePer10k: number;
  /** Communication Services Email per 1,000 e-mails sent (plus data transferred, ignored here: small mails). */
  emailPer1000: number;
  /** Durable Task Scheduler Consumption SKU per million actions; undefined: not priced. */
  schedulerPerMillionActions: number | undefined;
}

/**
 * Defaults: East US, pay as you go, as read on the Azure pricing pages (azure.microsoft.com/pricing/details/
 * functions/, .../storage/queues/, .../storage/tables/, .../communication-services/) in 2025. The Flex GB-s rate
 * ($0.000026) is also quoted from that page by modal.com's "Azure Functions pricing" guide of 2025-05-22. No figure
 * for the scheduler's Consumption SKU is recorded here: pass --scheduler-per-million-actions to price it. Free
 * monthly grants (Flex: 100,000 GB-s and 250,000 executions) are not subtracted: a run's marginal cost is shown.
 */
export const DEFAULT_PRICES: Prices = {
  gbSecond: 0.000026,
  perMillionExecutions: 0.4,
  queuePer10k: 0.004,
  tablePer10k: 0.00036,
  emailPer1000: 0.25,
  schedulerPerMillionActions: undefined,
};

export interface RunUsage {
  orchestratorEpisodes: number;
  activityExecutions: number;
  httpExecutions: number;
  activeSeconds: number;
  instanceMemoryGb: number;
  storage: StorageOps;
  schedulerActions: number;
  emails: number;
}

export interface RunCost {
  functions: number;
  storage: number;
  scheduler: number | undefined;
  email: number;
  /** Functions + e-mail + the chosen provider's share. */
  withAzureStorage: number;
  withScheduler: number | undefined;
}

export function costOf(usage: RunUsage, prices: Prices): RunCost {
  const executions = usage.orchestratorEpisodes + usage.activityExecutions + usage.httpExecutions;
  const functions =
    usage.activeSeconds * usage.instanceMemoryGb * prices.gbSecond + (executions / 1e6) * prices.perMillionExecutions;
  const storage = (usage.storage.queue / 1e4) * prices.queuePer10k + (usage.storage.table / 1e4) * prices.tablePer10k;
  const scheduler =
    prices.schedulerPerMillionActions === undefined
      ? undefined
      : (usage.schedulerActions / 1e6) * prices.schedulerPerMillionActions;
  const email = (usage.emails / 1000) * prices.emailPer1000;
  return {
    functions,
    storage,
    scheduler,
    email,
    withAzureStorage: functions + storage + email,
    withScheduler: scheduler === undefined ? undefined : functions + scheduler + email,
  };
}
