/**
 * Composition root: every function of the app (HTTP triggers, orchestrators, activities) is registered here, with
 * its dependencies wired from configuration. Azure's Node worker loads this module (package.json `main`); the
 * local runtime captures the very same registrations.
 */
import { app, type FunctionInput, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { OrchestrationHandler } from "durable-functions";
import type { z } from "zod";
import { makeApplyDataUpgrade } from "./activities/applyDataUpgrade.js";
import { makeInventoryVolumes } from "./activities/inventoryVolumes.js";
import { makeListWorkloads } from "./activities/listWorkloads.js";
import { makeCheckNodes } from "./activities/checkNodes.js";
import { makeStartPrePull } from "./activities/startPrePull.js";
import { makeObservePrePull } from "./activities/observePrePull.js";
import { makeVerifyPrePull } from "./activities/verifyPrePull.js";
import { makeDeletePrePull } from "./activities/deletePrePull.js";
import { makeScaleWorkloads } from "./activities/scaleWorkloads.js";
import { makeEnsureSnapshotClass } from "./activities/ensureSnapshotClass.js";
import { makeCreateSnapshots } from "./activities/createSnapshots.js";
import { makeObserveSnapshots } from "./activities/observeSnapshots.js";
import { makeDeleteSnapshots } from "./activities/deleteSnapshots.js";
import { makeRestoreClaims } from "./activities/restoreClaims.js";
import { makeObserveClaims } from "./activities/observeClaims.js";
import { makeApplyRetention } from "./activities/applyRetention.js";
import { makeArchiveRun } from "./activities/archiveRun.js";
import { makeReadPastRuns } from "./activities/readPastRuns.js";
import { makeCheckPods } from "./activities/checkPods.js";
import { makeDiagnosePods } from "./activities/diagnosePods.js";
import { makeNotify } from "./activities/notify.js";
import { makeObserveDataUpgrade } from "./activities/observeDataUpgrade.js";
import { makeObserveVerify } from "./activities/observeVerify.js";
import { makePollCommand } from "./activities/pollCommand.js";
import { makePrepareValues } from "./activities/prepareValues.js";
import { makeReadCurrentRelease } from "./activities/readCurrentRelease.js";
import { makeRequestDecision } from "./activities/requestDecision.js";
import { makeRunPreChecks } from "./activities/runPreChecks.js";
import { makeStartHelmRollback } from "./activities/startHelmRollback.js";
import { makeStartChartCheck } from "./activities/startChartCheck.js";
import { makeStartHelmUpgrade } from "./activities/startHelmUpgrade.js";
import { makeStartProcedure } from "./activities/startProcedure.js";
import { makeStartQueueListing } from "./activities/startQueueListing.js";
import { makeVerifyDecision } from "./activities/verifyDecision.js";
import {
  approvalRoute,
  makeApprovalDecision,
  makeApprovalLegacyLink,
  makeApprovalPage,
  makeApprovalShell,
} from "./functions/approvals.js";
import { makeGetAudit } from "./functions/audit.js";
import { makeDashboard, makeDashboardOutbox, makeDashboardRun } from "./functions/dashboard.js";
import { jsonRoute, type CallerTrust } from "./functions/http.js";
import { makeOpenApi } from "./functions/openapi.js";
import { makePlan } from "./functions/plans.js";
import { makeCancelUpgrade, makeGetUpgrade, makeListUpgrades, makeStartUpgrade } from "./functions/upgrades.js";
import { makeGetRestore, makeStartRestore } from "./functions/restores.js";
import { services, type WorkflowDeps } from "./lib/services.js";
import {
  makeArchiveWave,
  makeCheckFleetHealth,
  makeNotifyWave,
  makePrepareWaveRun,
  makeRaiseWaveEvent,
} from "./activities/fleet.js";
import { makeDashboardWaves } from "./functions/dashboardWaves.js";
import { makeControlWave, makeGetWave, makeGetWaveAudit, makeListWaves, makeStartWave } from "./functions/waves.js";
import { FLEET_ACTIVITIES, FLEET_ORCHESTRATIONS } from "./lib/fleet/contracts.js";
import { makeWaveClusterOrchestrator, type FleetActivities } from "./orchestrators/fleet/cluster.js";
import { makeWaveGateOrchestrator } from "./orchestrators/fleet/gate.js";
import { makeWaveStageOrchestrator } from "./orchestrators/fleet/stage.js";
import { makeWaveOrchestrator } from "./orchestrators/fleet/wave.js";
import { makeClusterLockOrchestrator } from "./orchestrators/clusterLock.js";
import { makeMonitorOrchestrator } from "./orchestrators/monitor.js";
import { makeQueueDrainOrchestrator } from "./orchestrators/queues.js";
import { makeUpgradeOrchestrator } from "./orchestrators/upgrade/index.js";
import { makeRestoreOrchestrator } from "./orchestrators/restore.js";
import { ACTIVITIES, type Activity, type WorkflowActivities } from "./lib/workflow/activities.js";
import type { UpgradeInputSchema } from "./lib/workflow/contracts.js";
import type { Definition } from "./lib/workflow/definition.js";
import { ORCHESTRATIONS, type Orchestration, type UpgradeOutcome } from "./lib/workflow/orchestrations.js";

/** Registers an activity under its definition; its input is parsed by the definition's schema before the handler. */
function activity<S extends z.ZodType, R>(
  definition: Definition<S, R>,
  handler: (input: z.output<S>, context: InvocationContext) => Promise<R>,
  extraInputs?: FunctionInput[],
): Activity<S, R> {
  const handle = df.app.activity(definition.name, {
    ...(extraInputs ? { extraInputs } : {}),
    handler: (input: unknown, context: InvocationContext) => handler(definition.input.parse(input), context),
  });
  return { definition, handle };
}

function orchestration<S extends z.ZodType, R>(
  definition: Definition<S, R>,
  handler: OrchestrationHandler,
): Orchestration<S, R> {
  return { definition, handle: df.app.orchestration(definition.name, handler) };
}

/** What the activities read, each on use: the services are built once, on first use (lib/services.ts). */
const workflow: WorkflowDeps = {
  cluster: (name) => services().cluster(name),
  profile: (name) => services().profile(name),
  catalog: () => services().catalog,
  valuesFile: (name) => {
    const content = services().valuesFiles.get(name);
    if (content === undefined) throw new Error(`the catalog names no values file ${name}`);
    return content;
  },
  signingKey: () => services().signingKey,
  mail: () => services().mail,
  audit: () => services().audit,
  publicBaseUrl: () => services().settings.PUBLIC_BASE_URL,
};

const activities: WorkflowActivities = {
  readCurrentRelease: activity(ACTIVITIES.readCurrentRelease, makeReadCurrentRelease(workflow)),
  prepareValues: activity(ACTIVITIES.prepareValues, makePrepareValues(workflow)),
  runPreChecks: activity(ACTIVITIES.runPreChecks, makeRunPreChecks(workflow)),
  requestDecision: activity(ACTIVITIES.requestDecision, makeRequestDecision(workflow)),
  verifyDecision: activity(ACTIVITIES.verifyDecision, makeVerifyDecision(workflow)),
  notify: activity(ACTIVITIES.notify, makeNotify(workflow)),
  startHelmUpgrade: activity(ACTIVITIES.startHelmUpgrade, makeStartHelmUpgrade(workflow)),
  startHelmRollback: activity(ACTIVITIES.startHelmRollback, makeStartHelmRollback(workflow)),
  applyDataUpgrade: activity(ACTIVITIES.applyDataUpgrade, makeApplyDataUpgrade(workflow)),
  pollCommand: activity(ACTIVITIES.pollCommand, makePollCommand(workflow)),
  checkPods: activity(ACTIVITIES.checkPods, makeCheckPods(workflow)),
  diagnosePods: activity(ACTIVITIES.diagnosePods, makeDiagnosePods(workflow)),
  startQueueListing: activity(ACTIVITIES.startQueueListing, makeStartQueueListing(workflow)),
  startChartCheck: activity(ACTIVITIES.startChartCheck, makeStartChartCheck(workflow)),
  startProcedure: activity(ACTIVITIES.startProcedure, makeStartProcedure(workflow)),
  observeDataUpgrade: activity(ACTIVITIES.observeDataUpgrade, makeObserveDataUpgrade(workflow)),
  observeVerify: activity(ACTIVITIES.observeVerify, makeObserveVerify(workflow)),
  inventoryVolumes: activity(ACTIVITIES.inventoryVolumes, makeInventoryVolumes(workflow)),
  listWorkloads: activity(ACTIVITIES.listWorkloads, makeListWorkloads(workflow)),
  scaleWorkloads: activity(ACTIVITIES.scaleWorkloads, makeScaleWorkloads(workflow)),
  ensureSnapshotClass: activity(ACTIVITIES.ensureSnapshotClass, makeEnsureSnapshotClass(workflow)),
  createSnapshots: activity(ACTIVITIES.createSnapshots, makeCreateSnapshots(workflow)),
  observeSnapshots: activity(ACTIVITIES.observeSnapshots, makeObserveSnapshots(workflow)),
  deleteSnapshots: activity(ACTIVITIES.deleteSnapshots, makeDeleteSnapshots(workflow)),
  restoreClaims: activity(ACTIVITIES.restoreClaims, makeRestoreClaims(workflow)),
  observeClaims: activity(ACTIVITIES.observeClaims, makeObserveClaims(workflow)),
  checkNodes: activity(ACTIVITIES.checkNodes, makeCheckNodes(workflow)),
  startPrePull: activity(ACTIVITIES.startPrePull, makeStartPrePull(workflow)),
  observePrePull: activity(ACTIVITIES.observePrePull, makeObservePrePull(workflow)),
  verifyPrePull: activity(ACTIVITIES.verifyPrePull, makeVerifyPrePull(workflow)),
  deletePrePull: activity(ACTIVITIES.deletePrePull, makeDeletePrePull(workflow)),
  // Reads other runs' status (a set whose run has not finished is kept), so it takes a durable client.
  applyRetention: activity(ACTIVITIES.applyRetention, makeApplyRetention(workflow), [df.input.durableClient()]),
  readPastRuns: activity(ACTIVITIES.readPastRuns, makeReadPastRuns(workflow)),
  // Reads its run's status, so it takes a durable client like the HTTP triggers.
  archiveRun: activity(ACTIVITIES.archiveRun, makeArchiveRun(workflow), [df.input.durableClient()]),
};

const monitor = orchestration(ORCHESTRATIONS.monitor, makeMonitorOrchestrator(activities));
const queueDrain = orchestration(
  ORCHESTRATIONS.queueDrain,
  makeQueueDrainOrchestrator({ startQueueListing: activities.startQueueListing, monitor }),
);
// The upgrade orchestration calls itself for each hop of a chain, so its handle is read lazily.
const upgrade: Orchestration<typeof UpgradeInputSchema, UpgradeOutcome> = orchestration(
  ORCHESTRATIONS.upgrade,
  makeUpgradeOrchestrator({ activities, monitor, queueDrain, hop: () => upgrade }),
);
const restore = orchestration(
  ORCHESTRATIONS.restore,
  makeRestoreOrchestrator({ activities, monitor, queueDrain, hop: () => upgrade }),
);
const clusterLock = orchestration(
  ORCHESTRATIONS.clusterLock,
  makeClusterLockOrchestrator(
    () => upgrade,
    () => restore,
  ),
);

// Fleet waves (lib/fleet, orchestrators/fleet): a wave runs a stage sub-orchestration per stage, which runs each
// cluster's upgrade under the same cluster lock as a single start.
const fleetActivities: FleetActivities = {
  raiseWaveEvent: activity(FLEET_ACTIVITIES.raiseWaveEvent, makeRaiseWaveEvent(), [df.input.durableClient()]),
  prepareWaveRun: activity(FLEET_ACTIVITIES.prepareWaveRun, makePrepareWaveRun(workflow)),
  checkFleetHealth: activity(FLEET_ACTIVITIES.checkFleetHealth, makeCheckFleetHealth(workflow)),
  notifyWave: activity(FLEET_ACTIVITIES.notifyWave, makeNotifyWave(workflow)),
  archiveWave: activity(FLEET_ACTIVITIES.archiveWave, makeArchiveWave(workflow)),
};
const waveCluster = orchestration(
  FLEET_ORCHESTRATIONS.waveCluster,
  makeWaveClusterOrchestrator({ activities: fleetActivities, clusterLock: () => clusterLock }),
);
const waveStage = orchestration(
  FLEET_ORCHESTRATIONS.waveStage,
  makeWaveStageOrchestrator({ activities: fleetActivities, waveCluster: () => waveCluster }),
);
const waveGate = orchestration(
  FLEET_ORCHESTRATIONS.waveGate,
  makeWaveGateOrchestrator({ activities, monitor, queueDrain, hop: () => upgrade, fleet: fleetActivities }),
);
orchestration(
  FLEET_ORCHESTRATIONS.wave,
  makeWaveOrchestrator({ activities: fleetActivities, waveStage: () => waveStage, waveGate: () => waveGate }),
);

// What the HTTP routes read, each read on use: the services are built once and rebuilt only after resetServices.
const settings = () => services().settings;
const operators = () => settings().OPERATOR_PRINCIPALS;
const trust = (): CallerTrust => ({
  platformAuth: settings().APP_SERVICE_AUTH === "required",
  local: !settings().WEBSITE_SITE_NAME,
});
const dashboardAccess = () => ({ enabled: settings().DASHBOARD === "on", trust: trust() });
const { publicBaseUrl, catalog, profile, cluster, signingKey } = workflow;
const profiles = () => services().profiles;
const outboxDir = () => (settings().MAIL_DRIVER === "outbox" ? settings().MAIL_OUTBOX_DIR : undefined);
const archived = (id: string) => services().audit.read(id);
const claims = () => services().audit;

// JSON routes throw lib/errors.ts errors and jsonRoute answers them; approval links answer people in HTML.
// Start, cancel and plan need a function key in Azure; approval links carry their own signed capability.
df.app.client.http("startUpgrade", {
  route: "upgrades",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makeStartUpgrade({ operators, trust, catalog, profile, publicBaseUrl })),
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
  handler: jsonRoute(makeCancelUpgrade({ operators, trust, publicBaseUrl })),
});
// A past run's snapshot set restored on its own, under the cluster's lock and the cluster's approval.
df.app.client.http("startRestore", {
  route: "restores",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makeStartRestore({ operators, trust, cluster, publicBaseUrl, archived })),
});
df.app.client.http("getRestore", {
  route: "restores/{id}",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetRestore()),
});
// Approval links carry their token in the URL fragment; the page posts it in form bodies, never in a URL.
app.http("approvalShell", {
  route: "approvals",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeApprovalShell(),
});
df.app.client.http("approvalLegacyLink", {
  route: "approvals/{token}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: approvalRoute(makeApprovalLegacyLink({ signingKey, publicBaseUrl, claims, trust })),
});
df.app.client.http("approvalPage", {
  route: "approvals/view",
  methods: ["POST"],
  authLevel: "anonymous",
  handler: approvalRoute(makeApprovalPage({ signingKey, publicBaseUrl, claims, trust })),
});
df.app.client.http("approvalDecision", {
  route: "approvals",
  methods: ["POST"],
  authLevel: "anonymous",
  handler: approvalRoute(makeApprovalDecision({ signingKey, publicBaseUrl, claims, trust })),
});
df.app.client.http("getAudit", {
  route: "upgrades/{id}/audit",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetAudit({ archived })),
});
// The dashboard only reads, but shows what the key-protected routes protect: settings refuse it on App Service
// without App Service authentication (DASHBOARD, APP_SERVICE_AUTH); locally it is open on loopback.
df.app.client.http("dashboard", {
  route: "dashboard",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboard({ access: dashboardAccess, profiles, catalog, outboxDir }),
});
df.app.client.http("dashboardRun", {
  route: "dashboard/runs/{id}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboardRun({ access: dashboardAccess, outboxDir, archived }),
});
app.http("dashboardOutbox", {
  route: "dashboard/outbox/{file?}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboardOutbox({ access: dashboardAccess, outboxDir }),
});
const waves = { operators, trust, catalog, profiles, publicBaseUrl, strategies: () => services().strategies() };
df.app.client.http("startWave", {
  route: "waves",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makeStartWave(waves)),
});
df.app.client.http("listWaves", {
  route: "waves",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeListWaves()),
});
df.app.client.http("getWave", {
  route: "waves/{id}",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetWave()),
});
for (const action of ["stop", "resume", "skip", "retry"] as const)
  df.app.client.http(`${action}Wave`, {
    route: `waves/{id}/${action}`,
    methods: ["POST"],
    authLevel: "function",
    handler: jsonRoute(makeControlWave(waves, action)),
  });
app.http("getWaveAudit", {
  route: "waves/{id}/audit",
  methods: ["GET"],
  authLevel: "function",
  handler: jsonRoute(makeGetWaveAudit({ claims })),
});
df.app.client.http("dashboardWaves", {
  route: "dashboard/waves/{id?}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeDashboardWaves({ access: dashboardAccess }),
});
app.http("openApi", { route: "openapi.json", methods: ["GET"], authLevel: "anonymous", handler: makeOpenApi() });
app.http("plan", {
  route: "plans",
  methods: ["POST"],
  authLevel: "function",
  handler: jsonRoute(makePlan({ operators, trust, catalog, cluster })),
});
