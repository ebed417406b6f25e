import type { Clock } from "../../clock.js";
import { rfc3339Nano } from "../core/format.js";
import { Timeline } from "../core/timeline.js";
import { coalesceValues, textAt, type Values } from "../core/values.js";
import { HelmBackend, type HelmCluster, type HelmOperation } from "../helm/backend.js";
import { helm } from "../helm/cli.js";
import { newRelease, type HelmRelease } from "../helm/release.js";
import { ReleaseStore } from "../helm/store.js";
import { KubeApi, type ApiResult, type LogOptions } from "../kube/api.js";
import { podStatusText, resourceKey, RESOURCES, type ResourceDef } from "../kube/resources.js";
import { scaleObject } from "../kube/snapshots.js";
import { badRequest, invalid, notFound } from "../kube/status.js";
import { KubeStore } from "../kube/store.js";
import type { KubeObject } from "../kube/types.js";
import { BUILTINS } from "../shell/builtins.js";
import { kubectl } from "../shell/kubectl.js";
import type { ShellHost } from "../shell/types.js";
import { chartDefaults, findChart, type ChartVersion } from "./charts.js";
import { CluedInCluster, NODES, type PodView } from "./cluster.js";
import { DaemonSetRunner } from "./daemonsets.js";
import { NODE_SHAPE } from "./nodes.js";
import { RunCommands, type CommandRecord } from "./commands.js";
import { DataUpgradeOperator } from "./dataupgrade.js";
import { FaultState, type Faults, type InjectedFault } from "./faults.js";
import { initContainerLog, LogBook } from "./logs.js";
import type { ObjectContext } from "./objects/context.js";
import { dataUpgradeCrd, namespaceObjects, nodeObjects, opaqueSecret, serviceObjects } from "./objects/cluster.js";
import { helmAnnotations, helmLabels } from "./objects/context.js";
import { Journal, type JournalEntry } from "./journal.js";
import {
  CRD_GROUP,
  crdPlurals,
  monitoringCrd,
  NODE_EXPORTER,
  nodeExporterDaemonSet,
  upgradeHazard,
  type MonitoringView,
} from "./monitoring.js";
import { podEvents, podObject } from "./objects/pod.js";
import { jobObject, replicaSetObjects, workloadObject } from "./objects/workload.js";
import { Queues, type QueueRow } from "./queues.js";
import { PLANTED_SECRETS, type Scenario } from "./scenario.js";
import { VolumeModel, type SnapshotState, type VolumeState } from "./snapshots.js";
import { scaleTimings, type Timings } from "./timings.js";
import { SYSTEM_IMAGES } from "./images.js";
import { PROCESSING, renderDesired, SERVER, UI, WORKLOADS, type DesiredState } from "./workloads.js";

export interface SimState {
  now: string;
  scenario: string;
  cluster: {
    subscriptionId: string;
    resourceGroup: string;
    clusterName: string;
    namespace: string;
    releaseName: string;
  };
  release: {
    revisions: {
      revision: number;
      status: string;
      chart: string;
      /** Chart.yaml appVersion (`2024.12`). */
      appVersion: string;
      /** The CluedIn release the revision runs: its computed `global.image.tag`. */
      release: string;
      description: string;
      updated: string;
    }[];
    deployedRevision?: number;
  };
  workloads: {
    kind: string;
    name: string;
    replicas: number;
    readyReplicas: number;
    image: string;
    upgradeMode: boolean;
  }[];
  pods: {
    name: string;
    workload: string;
    phase: string;
    status: string;
    ready: boolean;
    restarts: number;
    image: string;
    node: string;
  }[];
  jobs: { name: string; status: "Running" | "Complete"; startedAt: string }[];
  dataUpgrades: {
    name: string;
    namespace: string;
    toVersion: string;
    phase?: string;
    message?: string;
    createdAt?: string;
  }[];
  queues: QueueRow[];
  ui: { ready: boolean };
  commands: {
    id: string;
    command: string;
    files: string[];
    submittedAt: string;
    startedAt: string;
    finishedAt?: string;
    exitCode?: number;
    provisioningState: string;
  }[];
  helmOperations: HelmOperation[];
  /**
   * Every rollout Helm applied and when the cluster settled from it on its own: every current pod ready and, when
   * the rollout ran the database jobs, those complete (absent when it never will). The benchmark's T.
   */
  rollouts: { kind: "upgrade" | "rollback"; appliedAt: string; settledAt?: string }[];
  dataUpgradeCreations: DataUpgradeOperator["records"];
  /** When each DataUpgrade's status reached Succeeded or Failed (the server's answer). */
  dataUpgradeEnds: { name: string; toVersion: string; phase: string; at: string }[];
  injectedFaults: InjectedFault[];
  faults: Faults;
  /** Claims with the data version on their volume; snapshots with what they hold (model/snapshots.ts). */
  volumes: VolumeState[];
  snapshots: SnapshotState[];
  /** Each node's images (names, bytes, since when) and every pull planned, with its attempts (model/images.ts). */
  nodes: { name: string; images: { ref: string; sizeBytes: number }[]; usedBytes: number; capacityBytes: number }[];
  pulls: {
    node: string;
    ref: string;
    sizeBytes: number;
    requestedAt: string;
    doneAt?: string;
    failures: { at: string; message: string }[];
  }[];
}

const NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "aks-command"];
const DATAUPGRADES = RESOURCES.find((r) => r.plural === "dataupgrades") as ResourceDef;
const DAEMONSETS = RESOURCES.find((r) => r.plural === "daemonsets") as ResourceDef;

/**
 * The simulated CluedIn installation on AKS: Helm releases, workloads, logs, queues and the DataUpgrade operator,
 * all derived from timestamps on a lazy timeline. Every entry point calls `sync()` first.
 */
export class World {
  readonly timeline: Timeline;
  readonly store = new KubeStore();
  readonly faults = new FaultState();
  readonly timings: Timings;
  readonly kube: KubeApi;
  readonly helm: HelmBackend;
  readonly commands: RunCommands;
  private readonly releases: ReleaseStore;
  private readonly cluster: CluedInCluster;
  private readonly daemonSets: DaemonSetRunner;
  private readonly logs = new LogBook();
  private readonly queues: Queues;
  private readonly operator: DataUpgradeOperator;
  private readonly listeners = new Set<() => void>();
  private readonly helmOperations: HelmOperation[] = [];
  private readonly rollouts: { kind: "upgrade" | "rollback"; appliedAt: number; settledAt: number }[] = [];
  private readonly dataUpgradeEnds: SimState["dataUpgradeEnds"] = [];
  readonly journal = new Journal();
  private readonly volumes: VolumeModel;
  /** Replicas set through a workload's scale subresource; the next Helm apply resets them to the chart's. */
  private readonly replicaOverrides = new Map<string, number>();
  private appliedChart: ChartVersion;
  private appliedDesired: DesiredState;
  private refreshedAt = -Infinity;
  private pullFaultFrom = 0;
  private dirty = true;

  constructor(
    clock: Clock,
    readonly scenario: Scenario,
    readonly scale: number,
    private readonly token: string,
    readonly user: string,
  ) {
    this.timeline = new Timeline(clock);
    this.timings = scaleTimings(scenario.timings, scale);
    const t0 = this.timeline.now();
    const plans = scenario.revisions;
    const first = plans[0];
    const last = plans[plans.length - 1];
    if (!first || !last) throw new Error("a scenario needs at least one revision");
    const installedAt = t0 - first.ageMs;
    const runningSince = t0 - last.ageMs;
    this.appliedChart = last.chart;
    this.appliedDesired = this.render(last.chart, chartDefaults(last.chart), last.values);

    this.releases = new ReleaseStore(this.store);
    plans.forEach((plan, index) => {
      const at = t0 - plan.ageMs;
      const release = newRelease({
        name: scenario.releaseName,
        namespace: scenario.namespace,
        chart: plan.chart,
        config: plan.values,
        version: plan.revision,
        status: plan.status,
        description: plan.description,
        firstDeployed: installedAt,
        lastDeployed: at,
        desired: this.render(plan.chart, chartDefaults(plan.chart), plan.values),
      });
      this.releases.create(release, at);
      const next = plans[index + 1];
      if (next && plan.status !== "deployed" && plan.status !== "failed")
        this.releases.update(release, t0 - next.ageMs);
    });

    this.cluster = new CluedInCluster(this.timings, scale, installedAt, this.appliedDesired, runningSince);
    for (const node of NODES) for (const image of SYSTEM_IMAGES) this.cluster.images.seed(node, image.ref, installedAt);
    this.daemonSets = new DaemonSetRunner(this.cluster.images, NODES, 2_000 * scale);
    this.queues = new Queues(
      scenario.queues,
      t0,
      { draining: true, deadLetterGrowth: false },
      this.timings.queueDrainPerMinute / 60_000,
      this.timings.deadLetterGrowthPerMinute / 60_000,
    );
    this.kube = new KubeApi(
      this.store,
      {
        refresh: () => this.refresh(),
        now: () => this.timeline.now(),
        namespaces: () => [scenario.namespace, ...NAMESPACES],
        created: (def, object, via, source) => {
          this.journalKube(
            def,
            object,
            via === "kube-api" ? "create" : via.startsWith("kubectl apply") ? "apply" : "create",
            via,
            source,
          );
          if (def === DATAUPGRADES) this.operator.created(object, via);
          if (def === DAEMONSETS && object.metadata.name !== NODE_EXPORTER) {
            this.daemonSets.created(object, this.timeline.now());
            this.changed();
          }
          this.volumes.created(def.plural, object);
        },
        changed: (def, object, verb, via, source) => {
          this.journalKube(def, object, via.startsWith("kubectl apply") ? "apply" : verb, via, source);
        },
        deleted: (def, object, via) => {
          this.journalKube(def, object, "delete", via);
          if (def === DATAUPGRADES) this.operator.deleted(object);
          if (def === DAEMONSETS) {
            this.daemonSets.deleted(object.metadata.namespace ?? "", object.metadata.name, this.timeline.now());
            this.changed();
          }
          this.volumes.deleted(def.plural, object);
        },
        scale: (def, namespace, name, body) => this.scaleWorkload(def, namespace, name, body),
        podLog: (namespace, name, options) => this.podLog(namespace, name, options),
      },
      user,
    );
    this.operator = new DataUpgradeOperator({
      now: () => this.timeline.now(),
      schedule: (at, fn) => this.timeline.schedule(at, fn),
      timings: this.timings,
      scale,
      serverReadyAt: () => this.serverReadyAt(),
      serverPod: () => this.livePod(SERVER)?.name,
      serverInUpgradeMode: () => this.appliedDesired.upgradeMode,
      alertsTarget: () => this.appliedDesired.alertsTarget,
      writeLog: (pod, line) => this.logs.write(pod, line),
      setStatus: (namespace, name, status) => this.setDataUpgradeStatus(namespace, name, status),
      takeFault: () => this.faults.take("dataUpgrade"),
    });
    this.helm = new HelmBackend(this.releases, this.helmCluster());
    this.commands = new RunCommands({ ...BUILTINS, helm, kubectl }, (record) => this.shellHost(record));
    this.writeStaticObjects(installedAt);
    this.volumes = new VolumeModel(
      {
        now: () => this.timeline.now(),
        schedule: (at, fn) => this.timeline.schedule(at, fn),
        scale,
        namespace: scenario.namespace,
        subscriptionId: scenario.cluster.subscriptionId,
        nodeResourceGroup: `MC_${scenario.cluster.resourceGroup}_${scenario.cluster.clusterName}_${scenario.cluster.location}`,
        store: this.store,
        workloadRunning: (name) => (this.cluster.workloadView(name, this.timeline.now())?.pods.length ?? 0) > 0,
        takeFault: (key) => this.faults.take(key),
      },
      installedAt,
      // The release the data belongs to is the running image tag, not the chart's short appVersion (2024.12).
      `data of ${textAt(coalesceValues(chartDefaults(last.chart), last.values), "global.image.tag") ?? last.chart.appVersion}`,
    );
    this.setFaults(scenario.faults);
  }

  /** Runs due events and brings derived objects to the clock's time. */
  sync(): void {
    this.timeline.sync();
    this.refresh();
  }

  now(): number {
    return this.timeline.now();
  }

  setFaults(update: Partial<Faults>): Faults {
    const at = this.timeline.now();
    const previous = this.faults.set(update);
    const next = this.faults.get();
    for (const name of next.crashLoop.filter((w) => !previous.crashLoop.includes(w)))
      this.cluster.startCrashing(name, at);
    for (const name of previous.crashLoop.filter((w) => !next.crashLoop.includes(w))) {
      if (!next.crashLoopAfterUpgrade.includes(name)) this.cluster.stopCrashing(name, at);
    }
    for (const name of previous.crashLoopAfterUpgrade.filter((w) => !next.crashLoopAfterUpgrade.includes(w))) {
      if (!next.crashLoop.includes(name)) this.cluster.stopCrashing(name, at);
    }
    for (const name of next.oomKilled.filter((w) => !previous.oomKilled.includes(w)))
      this.cluster.startCrashing(name, at, "OOMKilled");
    for (const name of previous.oomKilled.filter((w) => !next.oomKilled.includes(w)))
      this.cluster.stopCrashing(name, at);
    this.cluster.setSymptoms(next.notReady, next.initWaiting);
    if (next.serverLogErrors && !previous.serverLogErrors) this.logs.startErrors(this.livePod(SERVER)?.name, at);
    if (!next.serverLogErrors && previous.serverLogErrors) this.logs.stopErrors(at);
    if (next.queuesStuck !== previous.queuesStuck || next.deadLetterGrowth !== previous.deadLetterGrowth)
      this.updateQueues(at);
    this.applyImageFaults(previous, next, at);
    this.changed();
    return next;
  }

  /** Pull faults hold for `forMs` (scaled) from when they are set; a full disk shrinks the node's disk from now. */
  private applyImageFaults(previous: Faults, next: Faults, at: number): void {
    const pull = next.imagePull;
    if (JSON.stringify(pull) !== JSON.stringify(previous.imagePull) || !this.pullFaultFrom) this.pullFaultFrom = at;
    this.cluster.images.setPullFaults(
      pull
        ? [
            {
              mode: pull.mode,
              ...(pull.match !== undefined ? { match: pull.match } : {}),
              ...(pull.nodes !== undefined ? { nodes: pull.nodes.map((n) => this.nodeName(n)) } : {}),
              from: this.pullFaultFrom,
              until: pull.forMs === undefined ? Infinity : this.pullFaultFrom + pull.forMs * this.scale,
              factor: pull.factor,
            },
          ]
        : [],
    );
    this.cluster.images.setDiskFull(
      next.nodeDiskFull.map((n) => this.nodeName(n)),
      at,
    );
  }

  /** A node named by a fault: its name, or its index in the pool. */
  private nodeName(n: string): string {
    return /^\d+$/.test(n) ? (NODES[Number(n)] ?? n) : n;
  }

  uiReady(): boolean {
    return this.livePod(UI)?.ready ?? false;
  }

  uiVersion(): string {
    return this.cluster.workloadView(UI, this.timeline.now())?.current.desired.tag ?? "";
  }

  queueRows(): QueueRow[] {
    const processing = this.livePod(PROCESSING);
    return this.queues.rows(this.timeline.now(), (processing?.ready ?? false) && !this.appliedDesired.upgradeMode);
  }

  /** AKS runs the command with the caller's `clusterToken` on AAD clusters: without a valid one kubectl and helm get 401. */
  submitCommand(command: string, files: Map<string, string>, clusterToken: string | undefined): CommandRecord {
    return this.commands.submit(
      command,
      files,
      clusterToken === this.token,
      this.timeline.now(),
      this.timings.runCommandStartMs,
      this.timings.commandMs,
    );
  }

  state(): SimState {
    const t = this.timeline.now();
    const history = this.releases.history(this.scenario.releaseName, this.scenario.namespace);
    const views = this.cluster.workloadViews(t);
    const pods = [...views.flatMap((v) => v.pods), ...this.cluster.jobViews(t).map((j) => j.pod)];
    const ctx = this.objectContext(t);
    const deployedRevision = history.filter((r) => r.info.status === "deployed").at(-1)?.version;
    return {
      now: new Date(t).toISOString(),
      scenario: this.scenario.name,
      cluster: {
        subscriptionId: this.scenario.cluster.subscriptionId,
        resourceGroup: this.scenario.cluster.resourceGroup,
        clusterName: this.scenario.cluster.clusterName,
        namespace: this.scenario.namespace,
        releaseName: this.scenario.releaseName,
      },
      release: {
        revisions: history.map((r) => ({
          revision: r.version,
          status: r.info.status,
          chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
          appVersion: r.chart.metadata.appVersion,
          release: textAt(coalesceValues(r.chart.values, r.config), "global.image.tag") ?? "",
          description: r.info.description,
          updated: r.info.last_deployed,
        })),
        ...(deployedRevision !== undefined ? { deployedRevision } : {}),
      },
      workloads: views.map((v) => ({
        kind: v.def.kind,
        name: v.def.name,
        replicas: v.current.desired.replicas,
        readyReplicas: v.pods.filter((p) => p.ready && p.deletionAt === undefined).length,
        image: `${v.current.desired.image}:${v.current.desired.tag}`,
        upgradeMode: v.current.desired.upgradeMode,
      })),
      pods: pods.map((p) => {
        const object = podObject(p, ctx);
        return {
          name: p.name,
          workload: p.workload,
          phase: p.phase,
          status: podStatusText(object),
          ready: p.ready,
          restarts: p.container?.restarts ?? 0,
          image: p.image,
          node: p.nodeName,
        };
      }),
      jobs: this.cluster.jobViews(t).map((j) => ({
        name: j.def.name,
        status: j.pod.completed ? "Complete" : "Running",
        startedAt: new Date(j.run.startAt).toISOString(),
      })),
      dataUpgrades: this.store.list(resourceKey(DATAUPGRADES)).map((o) => {
        const spec = (o.spec ?? {}) as { toVersion?: string };
        const status = (o.status ?? {}) as { phase?: string; message?: string };
        return {
          name: o.metadata.name,
          namespace: o.metadata.namespace ?? "",
          toVersion: spec.toVersion ?? "",
          ...(status.phase !== undefined ? { phase: status.phase } : {}),
          ...(status.message !== undefined ? { message: status.message } : {}),
          ...(o.metadata.creationTimestamp !== undefined ? { createdAt: o.metadata.creationTimestamp } : {}),
        };
      }),
      queues: this.queueRows(),
      ui: { ready: this.uiReady() },
      commands: this.commands.all().map((c) => {
        const view = this.commands.view(c, t);
        return {
          id: c.id,
          command: c.command,
          files: c.files,
          submittedAt: new Date(c.submittedAt).toISOString(),
          startedAt: new Date(c.startedAt).toISOString(),
          ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}),
          ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
          provisioningState: view.provisioningState,
        };
      }),
      helmOperations: structuredClone(this.helmOperations),
      rollouts: this.rollouts.map((r) => ({
        kind: r.kind,
        appliedAt: new Date(r.appliedAt).toISOString(),
        ...(Number.isFinite(r.settledAt) ? { settledAt: new Date(r.settledAt).toISOString() } : {}),
      })),
      dataUpgradeCreations: structuredClone(this.operator.records),
      dataUpgradeEnds: structuredClone(this.dataUpgradeEnds),
      injectedFaults: structuredClone(this.faults.injected),
      faults: this.faults.get(),
      volumes: this.volumes.volumes(),
      snapshots: this.volumes.snapshots(),
      nodes: NODES.map((name) => {
        const facts = this.cluster.images.facts(name, t);
        return {
          name,
          images: facts.images.map((i) => ({ ref: i.names[0] ?? "", sizeBytes: i.sizeBytes })),
          usedBytes: facts.usedBytes,
          capacityBytes: facts.capacityBytes,
        };
      }),
      pulls: this.cluster.images.pulls().map((p) => ({
        node: p.node,
        ref: p.ref,
        sizeBytes: p.size,
        requestedAt: new Date(p.requestedAt).toISOString(),
        ...(p.doneAt !== Infinity ? { doneAt: new Date(p.doneAt).toISOString() } : {}),
        failures: p.failures.map((f) => ({ at: new Date(f.failedAt).toISOString(), message: f.message })),
      })),
    };
  }

  private render(chart: ChartVersion, chartValues: Values, config: Values): DesiredState {
    return renderDesired(chart, coalesceValues(chartValues, config));
  }

  private helmCluster(): HelmCluster {
    return {
      now: () => this.timeline.now(),
      schedule: (at, fn) => this.timeline.schedule(at, fn),
      timings: this.timings,
      scale: this.scale,
      render: (chart, chartValues, config) => this.render(chart, chartValues, config),
      apply: (release, kind, notReadyUntil) => this.apply(release, kind, notReadyUntil),
      readyAt: () => this.cluster.readyAt(this.timeline.now()),
      jobsCompleteAt: () => this.cluster.jobsCompleteAt(this.timeline.now()),
      onChange: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      takeUpgradeFault: () => this.faults.take("helmUpgrade"),
      record: (operation) => this.helmOperations.push(operation),
      hazard: (chart) =>
        upgradeHazard(chart, this.monitoringView(), this.scenario.releaseName, this.scenario.namespace),
      journal: (operation, error) =>
        this.journal.record({
          at: new Date(this.timeline.now()).toISOString(),
          actor: "helm",
          verb: operation.kind,
          resource: "release",
          namespace: operation.namespace,
          name: operation.release,
          detail: operation.chart,
          outcome: operation.outcome === "deployed" ? "ok" : "failed",
          ...(error !== undefined ? { error } : {}),
        }),
    };
  }

  private apply(release: HelmRelease, kind: "upgrade" | "rollback", notReadyUntil?: number): void {
    const at = this.timeline.now();
    const chart = findChart(release.chart.metadata.version) ?? this.appliedChart;
    const desired = this.render(chart, release.chart.values, release.config);
    const faults = this.faults.get();
    if (kind === "rollback") {
      for (const name of faults.crashLoopAfterUpgrade)
        if (!faults.crashLoop.includes(name)) this.cluster.stopCrashing(name, at);
    }
    this.replicaOverrides.clear();
    this.cluster.apply(desired, at, {
      ...(notReadyUntil !== undefined ? { notReadyUntil } : {}),
      crashAfterRollout: kind === "upgrade" ? faults.crashLoopAfterUpgrade : [],
    });
    this.appliedChart = chart;
    this.appliedDesired = desired;
    this.applyChartObjects(chart, desired, at);
    this.updateQueues(at);
    this.changed();
    const jobs = desired.runDatabaseJobs ? this.cluster.jobsCompleteAt(at) : 0;
    this.rollouts.push({ kind, appliedAt: at, settledAt: Math.max(this.cluster.readyAt(at), jobs) });
  }

  /** Objects helm applies besides the workloads: the node-exporter DaemonSet, the bootstrap DataUpgrade. */
  private applyChartObjects(chart: ChartVersion, desired: DesiredState, at: number): void {
    const ctx = this.objectContext(at);
    const existing = this.store.get("apps/daemonsets", ctx.namespace, NODE_EXPORTER);
    const daemonSet = nodeExporterDaemonSet(
      chart,
      ctx,
      existing ? Date.parse(existing.metadata.creationTimestamp ?? "") : at,
      NODES.length,
    );
    if (!existing) this.journalKube(DAEMONSETS, this.store.put("apps/daemonsets", daemonSet), "create", "helm");
    else
      this.store.put("apps/daemonsets", {
        ...daemonSet,
        metadata: { ...daemonSet.metadata, uid: existing.metadata.uid ?? "" },
      });
    const toVersion = desired.bootstrapDataUpgrade;
    if (toVersion === undefined) return;
    const current = this.store.get(resourceKey(DATAUPGRADES), ctx.namespace, "data-upgrade");
    if ((current?.spec as { toVersion?: string } | undefined)?.toVersion === toVersion) return;
    if (current) this.kube.delete(DATAUPGRADES, ctx.namespace, "data-upgrade", "helm");
    this.kube.create(
      DATAUPGRADES,
      ctx.namespace,
      {
        apiVersion: "api.cluedin.com/v1",
        kind: "DataUpgrade",
        metadata: {
          name: "data-upgrade",
          labels: { app: "cluedin", ...helmLabels(ctx, {}) },
          annotations: helmAnnotations(ctx),
        },
        spec: { toVersion },
      },
      "helm",
    );
  }

  /** What the hazard check sees: the DaemonSet's selector and the monitoring CRDs' operator versions. */
  private monitoringView(): MonitoringView {
    const daemonSet = this.store.get("apps/daemonsets", this.scenario.namespace, NODE_EXPORTER);
    const selector = (daemonSet?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
      ?.matchLabels;
    const crds = new Map<string, string>();
    for (const crd of this.store.list("apiextensions.k8s.io/customresourcedefinitions")) {
      const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
      if (spec?.group !== CRD_GROUP || !spec.names?.plural) continue;
      crds.set(spec.names.plural, crd.metadata.annotations?.["operator.prometheus.io/version"] ?? "0.0.0");
    }
    return { ...(selector ? { daemonSetSelector: selector } : {}), crds };
  }

  private journalKube(
    def: ResourceDef,
    object: KubeObject,
    verb: JournalEntry["verb"],
    via: string,
    source?: string,
  ): void {
    this.journal.record({
      at: new Date(this.timeline.now()).toISOString(),
      actor: via === "helm" ? "helm" : via.startsWith("kubectl") ? "kubectl" : "kube-api",
      verb,
      resource: def.group ? `${def.plural}.${def.group}` : def.plural,
      ...(object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : {}),
      name: object.metadata.name,
      ...(source !== undefined
        ? { detail: source }
        : def === DATAUPGRADES
          ? { detail: (object.spec as { toVersion?: string } | undefined)?.toVersion ?? "" }
          : {}),
      outcome: "ok",
    });
  }

  private changed(): void {
    this.dirty = true;
    for (const listener of [...this.listeners]) listener();
    this.operator.changed();
  }

  private updateQueues(at: number): void {
    const faults = this.faults.get();
    this.queues.setConditions(
      { draining: !faults.queuesStuck && !this.appliedDesired.upgradeMode, deadLetterGrowth: faults.deadLetterGrowth },
      at,
    );
  }

  private serverReadyAt(): number {
    const view = this.cluster.workloadView(SERVER, this.timeline.now());
    const pod = view?.pods.find((p) => p.deletionAt === undefined);
    if (!view || view.current.desired.replicas === 0) return Infinity;
    return pod?.container?.readyAt ?? Infinity;
  }

  private livePod(workload: string): PodView | undefined {
    return this.cluster.workloadView(workload, this.timeline.now())?.pods.find((p) => p.deletionAt === undefined);
  }

  private setDataUpgradeStatus(namespace: string, name: string, status: { phase: string; message: string }): void {
    const key = resourceKey(DATAUPGRADES);
    const existing = this.store.get(key, namespace, name);
    if (!existing) return;
    const toVersion = (existing.spec as { toVersion?: string } | undefined)?.toVersion;
    // A data upgrade rewrites the data; one that fails part-way (the server answered 500 after its first
    // scenarios ran) leaves it half migrated: what a restore from the snapshots is for.
    if ((status.phase === "Succeeded" || status.phase === "Failed") && toVersion !== undefined)
      this.dataUpgradeEnds.push({
        name,
        toVersion,
        phase: status.phase,
        at: new Date(this.timeline.now()).toISOString(),
      });
    if (status.phase === "Succeeded" && toVersion) this.volumes.migrate(toVersion);
    if (status.phase === "Failed" && toVersion && status.message.includes("responded 500"))
      this.volumes.migrate(`${toVersion} (partly migrated)`);
    this.store.put(key, {
      ...existing,
      status: { ...status, lastTransitionTime: new Date(this.timeline.now()).toISOString().replace(/\.\d{3}Z$/, "Z") },
    });
  }

  /**
   * A workload's scale subresource: reads answer the Scale, writes roll the workload to the new replica count (no
   * jobs run: only Helm renders those). Helm's next apply resets the count, as its three-way merge does.
   */
  private scaleWorkload(def: ResourceDef, namespace: string, name: string, body?: unknown): ApiResult<KubeObject> {
    const workload = this.store.get(resourceKey(def), namespace, name);
    if (!workload || namespace !== this.scenario.namespace || !["Deployment", "StatefulSet"].includes(def.kind))
      return { ok: false, failure: notFound(def.plural, def.group, name) };
    if (body === undefined) return { ok: true, value: scaleObject(workload) };
    const replicas = (body as { spec?: { replicas?: unknown } }).spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
      return {
        ok: false,
        failure: invalid("Scale", "autoscaling", name, [
          {
            field: "spec.replicas",
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]),
      };
    this.replicaOverrides.set(name, replicas);
    const workloads = new Map(this.appliedDesired.workloads);
    for (const [workloadName, wanted] of this.replicaOverrides) {
      const desired = workloads.get(workloadName);
      if (desired) workloads.set(workloadName, { ...desired, replicas: wanted });
    }
    this.cluster.apply({ ...this.appliedDesired, runDatabaseJobs: false, workloads }, this.timeline.now());
    this.changed();
    this.refresh();
    const scaled = this.store.get(resourceKey(def), namespace, name) ?? workload;
    return { ok: true, value: scaleObject(scaled) };
  }

  private objectContext(now: number): ObjectContext {
    return {
      namespace: this.scenario.namespace,
      releaseName: this.scenario.releaseName,
      chartVersion: this.appliedChart.version,
      now,
    };
  }

  /** Reconciles the derived resources with the model at the timeline's present. */
  private refresh(): void {
    const t = this.timeline.now();
    if (!this.dirty && t === this.refreshedAt) return;
    this.refreshedAt = t;
    this.dirty = false;
    const ctx = this.objectContext(t);
    const views = this.cluster.workloadViews(t);
    const jobs = this.cluster.jobViews(t);
    const pods = [...views.flatMap((v) => v.pods), ...jobs.map((j) => j.pod)];
    this.store.reconcile("/pods", [...pods.map((p) => podObject(p, ctx)), ...this.daemonSets.pods(t)]);
    for (const ds of this.store.list("apps/daemonsets")) {
      const status = this.daemonSets.status(ds.metadata.namespace ?? "", ds.metadata.name, t);
      if (status) this.store.put("apps/daemonsets", { ...ds, status });
    }
    for (const node of this.store.list("/nodes")) {
      const facts = this.cluster.images.facts(node.metadata.name, t);
      const status = (node.status ?? {}) as Record<string, unknown>;
      const ephemeral = String(facts.capacityBytes);
      const allocatable = String(
        Math.floor(facts.capacityBytes * (NODE_SHAPE.allocatable.ephemeralBytes / NODE_SHAPE.capacity.ephemeralBytes)),
      );
      this.store.put("/nodes", {
        ...node,
        status: {
          ...status,
          capacity: { ...(status.capacity as object), "ephemeral-storage": ephemeral },
          allocatable: { ...(status.allocatable as object), "ephemeral-storage": allocatable },
          images: facts.images,
        },
      });
    }
    this.store.reconcile(
      "apps/deployments",
      views.filter((v) => v.def.kind === "Deployment").map((v) => workloadObject(v, ctx)),
    );
    this.store.reconcile(
      "apps/statefulsets",
      views.filter((v) => v.def.kind === "StatefulSet").map((v) => workloadObject(v, ctx)),
    );
    this.store.reconcile(
      "apps/replicasets",
      views.flatMap((v) => replicaSetObjects(v, ctx)),
    );
    this.store.reconcile(
      "batch/jobs",
      jobs.map((j) => jobObject(j, ctx)),
    );
    this.store.reconcile("/events", podEvents(pods, ctx));
  }

  private podLog(namespace: string, name: string, options: LogOptions): ApiResult<string> {
    const t = this.timeline.now();
    const pods =
      namespace === this.scenario.namespace
        ? [...this.cluster.workloadViews(t).flatMap((v) => v.pods), ...this.cluster.jobViews(t).map((j) => j.pod)]
        : [];
    const pod = pods.find((p) => p.name === name);
    if (!pod) return { ok: false, failure: notFound("pods", "", name) };
    const container = options.container ?? pod.containerName;
    const initName = pod.waitsFor?.map((service) => `wait-${service}`).find((name) => name === container);
    if (initName !== undefined) return { ok: true, value: initContainerLog(pod, initName, t) };
    if (container !== pod.containerName) {
      return { ok: false, failure: badRequest(`container ${container} is not valid for pod ${name}`) };
    }
    if (!pod.container && !pod.completed) {
      return {
        ok: false,
        failure: badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`),
      };
    }
    const desired = pod.desired;
    const server = desired
      ? {
          tag: desired.tag,
          upgradeMode: desired.upgradeMode,
          packages: desired.packages,
          nugetFullRestore: desired.nugetFullRestore,
        }
      : undefined;
    const lines = this.logs.linesFor(pod, t, server, options.previous ?? false);
    if (!lines)
      return {
        ok: false,
        failure: badRequest(`previous terminated container "${container}" in pod "${name}" not found`),
      };
    let selected = lines;
    const { sinceSeconds } = options;
    if (sinceSeconds !== undefined) selected = selected.filter((l) => l.at >= t - sinceSeconds * 1000);
    if (options.sinceTime !== undefined) selected = selected.filter((l) => l.at >= (options.sinceTime ?? 0));
    if (options.tailLines !== undefined) selected = options.tailLines === 0 ? [] : selected.slice(-options.tailLines);
    let text = selected.map((l) => `${options.timestamps ? `${rfc3339Nano(l.at)} ` : ""}${l.text}\n`).join("");
    if (options.limitBytes !== undefined) text = Buffer.from(text).subarray(0, options.limitBytes).toString("utf8");
    return { ok: true, value: text };
  }

  private shellHost(record: CommandRecord): ShellHost {
    return {
      now: () => this.timeline.now(),
      schedule: (at, fn) => this.timeline.schedule(at, fn),
      timings: this.timings,
      scale: this.scale,
      authorized: record.clusterToken,
      helm: this.helm,
      kube: this.kube,
      queues: () => this.queueRows(),
      kubernetesVersion: this.scenario.cluster.kubernetesVersion,
      chartMirrors: this.scenario.chartMirrors,
      commandId: record.id,
    };
  }

  /**
   * The deployed chart's monitoring objects as the pages' procedure left them (CRDs of its prometheus-operator,
   * the DaemonSet with its node-exporter's selector), unless the scenario says the cluster differs.
   */
  private writeMonitoringObjects(ctx: ObjectContext, createdAt: number): void {
    const { crds, nodeExporter } = this.scenario.monitoring;
    const operator = crds ?? this.appliedChart.prometheusOperator;
    if (operator !== "none") {
      for (const plural of crdPlurals(operator)) {
        const crd = monitoringCrd(plural, operator, createdAt);
        if (crd) this.store.put("apiextensions.k8s.io/customresourcedefinitions", crd);
      }
    }
    if (nodeExporter === "absent") return;
    const selectorOf = nodeExporter ?? this.appliedChart.nodeExporterSelector;
    const chart = { ...this.appliedChart, nodeExporterSelector: selectorOf };
    this.store.put("apps/daemonsets", nodeExporterDaemonSet(chart, ctx, createdAt, NODES.length));
  }

  private writeStaticObjects(createdAt: number): void {
    const ctx = this.objectContext(createdAt);
    for (const ns of namespaceObjects([this.scenario.namespace, ...NAMESPACES], createdAt))
      this.store.put("/namespaces", ns);
    for (const service of serviceObjects(WORKLOADS, ctx, createdAt)) this.store.put("/services", service);
    for (const node of nodeObjects(NODES, this.scenario.cluster.kubernetesVersion, createdAt))
      this.store.put("/nodes", node);
    this.store.put("apiextensions.k8s.io/customresourcedefinitions", dataUpgradeCrd(createdAt));
    this.writeMonitoringObjects(ctx, createdAt);
    const s = PLANTED_SECRETS;
    const secrets: [string, Record<string, string>][] = [
      [
        "cluedin-rabbitmq",
        { "rabbitmq-password": s.rabbitmqPassword, "rabbitmq-erlang-cookie": s.rabbitmqErlangCookie },
      ],
      ["cluedin-sqlserver-secret", { sapassword: s.mssqlSaPassword }],
      ["cluedin-redis", { "redis-password": s.redisPassword }],
      ["cluedin-elasticsearch", { "elasticsearch-password": s.elasticsearchPassword }],
    ];
    for (const [name, data] of secrets) this.store.put("/secrets", opaqueSecret(name, data, ctx, createdAt));
  }
}
