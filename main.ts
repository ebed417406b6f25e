/**
 * Composition root: every function of the app (HTTP triggers, orchestrators, activities) is registered here, with
 * its dependencies wired from configuration. Azure's Node worker loads this module (package.json `main`); the
 * local runtime captures the very same registrations.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import type { RegisteredOrchestration } from "durable-functions";
import { makeApplyDataUpgrade } from "./activities/applyDataUpgrade.js";
import { makeArchiveRun } from "./activities/archiveRun.js";
import { makeCheckPods } from "./activities/checkPods.js";
import { makeNotify } from "./activities/notify.js";
import { makeObserveDataUpgrade } from "./activities/observeDataUpgrade.js";
import { makeObserveVerify } from "./activities/observeVerify.js";
import { makePollCommand } from "./activities/pollCommand.js";
import { makePrepareValues } from "./activities/prepareValues.js";
import { makeReadCurrentRelease } from "./activities/readCurrentRelease.js";
import { makeRequestDecision } from "./activities/requestDecision.js";
import { makeRunPreChecks } from "./activities/runPreChecks.js";
import { makeStartHelmRollback } from "./activities/startHelmRollback.js";
import { makeStartHelmUpgrade } from "./activities/startHelmUpgrade.js";
import { makeStartQueueListing } from "./activities/startQueueListing.js";
import { approvalRoute, makeApprovalDecision, makeApprovalPage } from "./functions/approvals.js";
import { makeGetAudit } from "./functions/audit.js";
import { makeDashboard, makeDashboardOutbox, makeDashboardRun } from "./functions/dashboard.js";
import { jsonRoute } from "./functions/http.js";
import { makeOpenApi } from "./functions/openapi.js";
import { makePlan } from "./functions/plans.js";
import { makeCancelUpgrade, makeGetUpgrade, makeListUpgrades, makeStartUpgrade } from "./functions/upgrades.js";
import { services } from "./lib/services.js";
import { makeClusterLockOrchestrator } from "./orchestrators/clusterLock.js";
import { makeMonitorOrchestrator } from "./orchestrators/monitor.js";
import { ORCHESTRATIONS } from "./orchestrators/names.js";
import { makeQueueDrainOrchestrator } from "./orchestrators/queues.js";
import { makeUpgradeOrchestrator } from "./orchestrators/upgrade.js";

const activity = (name: string, handler: (input: unknown) => Promise<unknown>) => df.app.activity(name, { handler });

const activities = {
  readCurrentRelease: activity("readCurrentRelease", makeReadCurrentRelease(services)),
  prepareValues: activity("prepareValues", makePrepareValues(services)),
  runPreChecks: activity("runPreChecks", makeRunPreChecks(services)),
  requestDecision: activity("requestDecision", makeRequestDecision(services)),
  notify: activity("notify", makeNotify(services)),
  startHelmUpgrade: activity("startHelmUpgrade", makeStartHelmUpgrade(services)),
  startHelmRollback: activity("startHelmRollback", makeStartHelmRollback(services)),
  applyDataUpgrade: activity("applyDataUpgrade", makeApplyDataUpgrade(services)),
  pollCommand: activity("pollCommand", makePollCommand(services)),
  checkPods: activity("checkPods", makeCheckPods(services)),
  startQueueListing: activity("startQueueListing", makeStartQueueListing(services)),
  observeDataUpgrade: activity("observeDataUpgrade", makeObserveDataUpgrade(services)),
  observeVerify: activity("observeVerify", makeObserveVerify(services)),
  // Reads its run's history, so it takes a durable client like the HTTP triggers.
  archiveRun: df.app.activity("archiveRun", {
    extraInputs: [df.input.durableClient()],
    handler: makeArchiveRun(services),
  }),
};

const monitor = df.app.orchestration(ORCHESTRATIONS.monitor, makeMonitorOrchestrator(activities));
const queueDrain = df.app.orchestration(
  ORCHESTRATIONS.queueDrain,
  makeQueueDrainOrchestrator({ startQueueListing: activities.startQueueListing, monitor }),
);
// The upgrade orchestration calls itself for each hop of a chain, so its handle is read lazily.
const upgrade: RegisteredOrchestration = df.app.orchestration(
  ORCHESTRATIONS.upgrade,
  makeUpgradeOrchestrator({ activities, monitor, queueDrain, hop: () => upgrade }),
);
df.app.orchestration(
  ORCHESTRATIONS.clusterLock,
  makeClusterLockOrchestrator(() => upgrade),
);

// What the HTTP routes read, each read on use: the services are built once and rebuilt only after resetServices.
const settings = () => services().settings;
const operators = () => settings().OPERATOR_PRINCIPALS;
const publicBaseUrl = () => settings().PUBLIC_BASE_URL;
const catalog = () => services().catalog;
const profiles = () => services().profiles;
const profile = (name: string) => services().profile(name);
const cluster = (name: string) => services().cluster(name);
const signingKey = () => services().signingKey;
const outboxDir = () => (settings().MAIL_DRIVER === "outbox" ? settings().MAIL_OUTBOX_DIR : undefined);
const archived = (id: string) => services().audit.read(id);

// JSON routes throw lib/errors.ts errors and jsonRoute answers them; approval links answer people in HTML.
// Start, cancel and plan need a function key in Azure; approval links carry their own signed capability.
df.app.client.http("startUpgrade", {
  route: "upgrades",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makeStartUpgrade({ operators, catalog, profile, publicBaseUrl })),
});
df.app.client.http("listUpgrades", {
  route: "upgrades",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeListUpgrades()),
});
df.app.client.http("getUpgrade", {
  route: "upgrades/{id}",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetUpgrade()),
});
df.app.client.http("cancelUpgrade", {
  route: "upgrades/{id}/cancel",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makeCancelUpgrade({ operators, publicBaseUrl })),
});
df.app.client.http("approvalPage", {
  route: "approvals/{token}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: approvalRoute(makeApprovalPage({ signingKey, publicBaseUrl })),
});
df.app.client.http("approvalDecision", {
  route: "approvals/{token}",
  methods: ["POST"],
  authLevel: "anonymous",
  handler: approvalRoute(makeApprovalDecision({ signingKey, publicBaseUrl })),
});
df.app.client.http("getAudit", {
  route: "upgrades/{id}/audit",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetAudit({ archived })),
});
// The dashboard only reads; in Azure, App Service authentication in front of the app decides who sees it.
df.app.client.http("dashboard", {
  route: "dashboard",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboard({ profiles, catalog, outboxDir }),
});
df.app.client.http("dashboardRun", {
  route: "dashboard/runs/{id}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboardRun({ outboxDir, archived }),
});
app.http("dashboardOutbox", {
  route: "dashboard/outbox/{file?}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboardOutbox({ outboxDir }),
});
app.http("openApi", { route: "openapi.json", methods: ["GET"], authLevel: "anonymous", handler: makeOpenApi() });
app.http("plan", {
  route: "plans",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makePlan({ operators, catalog, cluster })),
});
