import { rfc3339Nano } from "../core/format.js";
import { coalesceValues, mergeValues, type Values } from "../core/values.js";
import { CHART_NAME, chartDefaults, type ChartVersion } from "../model/charts.js";
import type { Faults } from "../model/faults.js";
import type { Timings } from "../model/timings.js";
import { statusOutput, type OutputFormat } from "./format.js";
import { isPending, newRelease, type HelmRelease, type ReleaseStatus } from "./release.js";
import type { ReleaseStore } from "./store.js";
import type { DesiredState } from "../model/workloads.js";

export interface HelmOutcome {
  code: number;
  stdout: string;
  stderr: string;
  fatal?: string;
}

/** One helm upgrade or rollback that created a revision, as recorded in the simulator's state. */
export interface HelmOperation {
  at: string;
  kind: "install" | "upgrade" | "rollback";
  release: string;
  namespace: string;
  revision: number;
  chart: string;
  /** `--set` expressions in order, and the values files, as given. */
  set: string[];
  valuesFiles: string[];
  flags: string[];
  outcome: "pending" | "deployed" | "failed" | "killed";
}

export interface UpgradeRequest {
  release: string;
  namespace: string;
  chart: ChartVersion;
  install: boolean;
  values: Values;
  resetValues: boolean;
  reuseValues: boolean;
  resetThenReuseValues: boolean;
  wait: boolean;
  waitForJobs: boolean;
  atomic: boolean;
  dryRun: boolean;
  timeoutMs: number;
  description?: string;
  output: OutputFormat;
  flags: string[];
  set: string[];
  valuesFiles: string[];
}

export interface RollbackRequest {
  release: string;
  namespace: string;
  revision: number;
  wait: boolean;
  waitForJobs: boolean;
  timeoutMs: number;
  dryRun: boolean;
  flags: string[];
}

/** What helm needs from the simulated cluster. */
export interface HelmCluster {
  now(): number;
  schedule(at: number, fn: (at: number) => void): () => void;
  /** Scaled timings; `scale` converts helm's own durations (--timeout). */
  timings: Timings;
  scale: number;
  /** Renders user values over the chart values a revision carries. */
  render(chart: ChartVersion, chartValues: Values, config: Values): DesiredState;
  apply(release: HelmRelease, kind: "upgrade" | "rollback", notReadyUntil?: number): void;
  readyAt(): number;
  jobsCompleteAt(): number;
  /** Subscribes to changes that can move readiness (faults, rollouts); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  takeUpgradeFault(): Faults["helmUpgrade"];
  record(operation: HelmOperation): void;
  /** Why the cluster refuses this chart (old monitoring CRDs, the old node-exporter DaemonSet), if it does. */
  hazard(chart: ChartVersion): { phase: "build" | "apply"; message: string } | undefined;
  /** Notes a finished helm operation in the cluster's journal. */
  journal(operation: HelmOperation, error?: string): void;
}

const errPending = "another operation (install/upgrade/rollback) is in progress";

/**
 * The user values an upgrade stores and the chart values it renders with, as helm/helm pkg/action/upgrade.go
 * (reuseValues) decides: `--reuse-values` merges the new values over the previous release's and, as the Helm docs
 * warn ("reuse the last release's values and merge in any overrides"), renders with the previous release's computed
 * values instead of the new chart's defaults; `--reset-then-reuse-values` merges the same way over the new chart's
 * defaults; no values at all reuses the previous release's values.
 */
export function upgradeValues(
  req: Pick<UpgradeRequest, "chart" | "values" | "resetValues" | "reuseValues" | "resetThenReuseValues">,
  current: Pick<HelmRelease, "config" | "chart">,
): { config: Values; chartValues: Values } {
  const fresh = chartDefaults(req.chart);
  if (req.resetValues) return { config: req.values, chartValues: fresh };
  if (req.reuseValues) {
    return {
      config: mergeValues(current.config, req.values),
      chartValues: coalesceValues(current.chart.values, current.config),
    };
  }
  if (req.resetThenReuseValues) return { config: mergeValues(current.config, req.values), chartValues: fresh };
  if (Object.keys(req.values).length === 0) return { config: current.config, chartValues: fresh };
  return { config: req.values, chartValues: fresh };
}

/** Helm 3's upgrade and rollback actions (pkg/action/upgrade.go, rollback.go) over the simulated cluster. */
export class HelmBackend {
  constructor(
    readonly releases: ReleaseStore,
    private readonly cluster: HelmCluster,
  ) {}

  upgrade(req: UpgradeRequest, done: (outcome: HelmOutcome) => void): void {
    const now = this.cluster.now();
    const history = this.releases.history(req.release, req.namespace);
    const last = history.at(-1);
    if (!last) {
      if (req.install) this.install(req, done);
      else done(error(`UPGRADE FAILED: "${req.release}" has no deployed releases`));
      return;
    }
    if (isPending(last.info.status)) {
      done(error(`UPGRADE FAILED: ${errPending}`));
      return;
    }
    let current = last.info.status === "deployed" ? last : this.releases.deployed(req.release, req.namespace);
    if (!current && (last.info.status === "failed" || last.info.status === "superseded")) current = last;
    if (!current) {
      done(error(`UPGRADE FAILED: "${req.release}" has no deployed releases`));
      return;
    }
    const { config, chartValues } = upgradeValues(req, current);
    const hazard = req.dryRun ? undefined : this.cluster.hazard(req.chart);
    if (hazard?.phase === "build") {
      // Helm builds and validates the manifest before it records a revision: nothing is stored.
      const refused = error(`UPGRADE FAILED: ${hazard.message}`);
      this.cluster.journal(
        {
          at: new Date(now).toISOString(),
          kind: "upgrade",
          release: req.release,
          namespace: req.namespace,
          revision: last.version + 1,
          chart: `${CHART_NAME}-${req.chart.version}`,
          set: req.set,
          valuesFiles: req.valuesFiles,
          flags: req.flags,
          outcome: "failed",
        },
        refused.stderr.trim(),
      );
      done(refused);
      return;
    }

    const upgraded = newRelease({
      name: req.release,
      namespace: req.namespace,
      chart: req.chart,
      chartValues,
      config,
      version: last.version + 1,
      status: "pending-upgrade",
      description: "Preparing upgrade",
      firstDeployed: Date.parse(current.info.first_deployed),
      lastDeployed: now,
      desired: this.cluster.render(req.chart, chartValues, config),
    });
    if (req.dryRun) {
      upgraded.info.description = req.description ?? "Dry run complete";
      done({
        code: 0,
        stdout: `Release "${req.release}" has been upgraded. Happy Helming!\n${statusOutput(upgraded, req.output)}`,
        stderr: "",
      });
      return;
    }
    this.releases.create(upgraded, now);
    const operation: HelmOperation = {
      at: new Date(now).toISOString(),
      kind: "upgrade",
      release: req.release,
      namespace: req.namespace,
      revision: upgraded.version,
      chart: `${upgraded.chart.metadata.name}-${req.chart.version}`,
      set: req.set,
      valuesFiles: req.valuesFiles,
      flags: req.flags,
      outcome: "pending",
    };
    this.cluster.record(operation);
    const fault = this.cluster.takeUpgradeFault();
    // --timeout runs on the simulated clock like everything else, so a scaled-down demo times out as soon as it rolls.
    const deadline = now + req.timeoutMs * this.cluster.scale;
    const applyAt = now + this.cluster.timings.helmApplyMs;
    let finished = false;
    let cancelWait: () => void = () => undefined;
    const finish = (outcome: HelmOutcome): void => {
      if (finished) return;
      finished = true;
      cancelWait();
      this.cluster.journal(operation, outcome.code === 0 ? undefined : outcome.stderr.trim() || outcome.fatal);
      done(outcome);
    };
    if (fault?.mode === "dies") {
      this.cluster.schedule(now + this.cluster.timings.helmDiesAfterMs, () => {
        operation.outcome = "killed";
        finish({
          code: 137,
          stdout: "",
          stderr: "",
          fatal: "The command pod was terminated unexpectedly (helm was killed: signal: killed)",
        });
      });
    }
    this.cluster.schedule(applyAt, (at) => {
      if (finished) return;
      if (hazard) {
        this.markFailed(upgraded, `Upgrade "${req.release}" failed: ${hazard.message}`, at);
        operation.outcome = "failed";
        finish(error(`UPGRADE FAILED: ${hazard.message}`));
        return;
      }
      const slowUntil =
        fault?.mode === "timeout" ? Math.max(deadline, at) + this.cluster.timings.slowRolloutExtraMs : undefined;
      this.cluster.apply(upgraded, "upgrade", slowUntil);
      const succeed = (when: number): void => {
        current.info.status = "superseded";
        this.releases.update(current, when);
        upgraded.info.status = "deployed";
        upgraded.info.description = req.description ?? "Upgrade complete";
        this.releases.update(upgraded, when);
        operation.outcome = "deployed";
        finish({
          code: 0,
          stdout: `Release "${req.release}" has been upgraded. Happy Helming!\n${statusOutput(upgraded, req.output)}`,
          stderr: "",
        });
      };
      if (!req.wait && !req.atomic) {
        succeed(at);
        return;
      }
      cancelWait = this.waitReady(deadline, req.waitForJobs, (ready, when) => {
        if (ready) {
          succeed(when);
          return;
        }
        const reason = "context deadline exceeded";
        this.markFailed(upgraded, `Upgrade "${req.release}" failed: ${reason}`, when);
        operation.outcome = "failed";
        if (req.atomic) {
          const target = this.releases
            .history(req.release, req.namespace)
            .filter((r) => r.info.status === "superseded" || r.info.status === "deployed")
            .at(-1);
          if (target) {
            this.rollbackNow(req.release, req.namespace, target.version, when, req.flags);
            finish(
              error(
                `UPGRADE FAILED: release ${req.release} failed, and has been rolled back due to atomic being set: ${reason}`,
              ),
            );
            return;
          }
        }
        finish(error(`UPGRADE FAILED: ${reason}`));
      });
    });
  }

  rollback(req: RollbackRequest, done: (outcome: HelmOutcome) => void): void {
    const now = this.cluster.now();
    const last = this.releases.last(req.release, req.namespace);
    if (!last) {
      done(error("release: not found"));
      return;
    }
    const targetVersion = req.revision === 0 ? last.version - 1 : req.revision;
    const target = this.releases.get(req.release, req.namespace, targetVersion);
    if (!target) {
      done(error("release: not found"));
      return;
    }
    if (req.dryRun) {
      done({ code: 0, stdout: "Rollback was a success! Happy Helming!\n", stderr: "" });
      return;
    }
    const rolled = this.createRollback(req.release, req.namespace, target, last, now);
    const operation: HelmOperation = {
      at: new Date(now).toISOString(),
      kind: "rollback",
      release: req.release,
      namespace: req.namespace,
      revision: rolled.version,
      chart: `${rolled.chart.metadata.name}-${rolled.chart.metadata.version}`,
      set: [],
      valuesFiles: [],
      flags: req.flags,
      outcome: "pending",
    };
    this.cluster.record(operation);
    const reply = done;
    done = (outcome) => {
      this.cluster.journal(operation, outcome.code === 0 ? undefined : outcome.stderr.trim());
      reply(outcome);
    };
    const deadline = now + req.timeoutMs * this.cluster.scale;
    this.cluster.schedule(now + this.cluster.timings.helmApplyMs, (at) => {
      this.cluster.apply(rolled, "rollback");
      if (!req.wait) {
        this.completeRollback(rolled, at);
        operation.outcome = "deployed";
        done({ code: 0, stdout: "Rollback was a success! Happy Helming!\n", stderr: "" });
        return;
      }
      this.waitReady(deadline, req.waitForJobs, (ready, when) => {
        if (ready) {
          this.completeRollback(rolled, when);
          operation.outcome = "deployed";
          done({ code: 0, stdout: "Rollback was a success! Happy Helming!\n", stderr: "" });
          return;
        }
        this.markFailed(rolled, `Release "${req.release}" failed: context deadline exceeded`, when);
        operation.outcome = "failed";
        done(error(`release ${req.release} failed: context deadline exceeded`));
      });
    });
  }

  private install(req: UpgradeRequest, done: (outcome: HelmOutcome) => void): void {
    const now = this.cluster.now();
    const release = newRelease({
      name: req.release,
      namespace: req.namespace,
      chart: req.chart,
      config: req.values,
      version: 1,
      status: "pending-install",
      description: "Initial install underway",
      firstDeployed: now,
      lastDeployed: now,
      desired: this.cluster.render(req.chart, chartDefaults(req.chart), req.values),
    });
    this.releases.create(release, now);
    this.cluster.schedule(now + this.cluster.timings.helmApplyMs, (at) => {
      this.cluster.apply(release, "upgrade");
      release.info.status = "deployed";
      release.info.description = "Install complete";
      this.releases.update(release, at);
      const recorded: HelmOperation = {
        at: new Date(now).toISOString(),
        kind: "install",
        release: req.release,
        namespace: req.namespace,
        revision: 1,
        chart: `${release.chart.metadata.name}-${req.chart.version}`,
        set: req.set,
        valuesFiles: req.valuesFiles,
        flags: req.flags,
        outcome: "deployed",
      };
      this.cluster.record(recorded);
      this.cluster.journal(recorded);
      done({
        code: 0,
        stdout: `Release "${req.release}" does not exist. Installing it now.\n${statusOutput(release, req.output)}`,
        stderr: "",
      });
    });
  }

  /** Calls back once the cluster is ready or the deadline passes; re-evaluates whenever the cluster changes. */
  private waitReady(deadline: number, withJobs: boolean, done: (ready: boolean, at: number) => void): () => void {
    let cancelTimer: () => void = () => undefined;
    let finished = false;
    const check = (): void => {
      if (finished) return;
      const t = this.cluster.now();
      const readyAt = Math.max(this.cluster.readyAt(), withJobs ? this.cluster.jobsCompleteAt() : 0);
      if (readyAt <= t || t >= deadline) {
        finished = true;
        unsubscribe();
        cancelTimer();
        done(readyAt <= t, t);
        return;
      }
      cancelTimer();
      cancelTimer = this.cluster.schedule(Math.min(readyAt, deadline), check);
    };
    const unsubscribe = this.cluster.onChange(check);
    check();
    return () => {
      finished = true;
      unsubscribe();
      cancelTimer();
    };
  }

  private rollbackNow(name: string, namespace: string, version: number, at: number, flags: string[]): void {
    const last = this.releases.last(name, namespace);
    const target = this.releases.get(name, namespace, version);
    if (!last || !target) return;
    const rolled = this.createRollback(name, namespace, target, last, at);
    this.cluster.apply(rolled, "rollback");
    this.completeRollback(rolled, at);
    const recorded: HelmOperation = {
      at: new Date(at).toISOString(),
      kind: "rollback",
      release: name,
      namespace,
      revision: rolled.version,
      chart: `${rolled.chart.metadata.name}-${rolled.chart.metadata.version}`,
      set: [],
      valuesFiles: [],
      flags,
      outcome: "deployed",
    };
    this.cluster.record(recorded);
    this.cluster.journal(recorded);
  }

  private createRollback(
    name: string,
    namespace: string,
    target: HelmRelease,
    last: HelmRelease,
    at: number,
  ): HelmRelease {
    const rolled: HelmRelease = {
      ...structuredClone(target),
      info: {
        first_deployed: last.info.first_deployed,
        last_deployed: rfc3339Nano(at),
        deleted: "",
        description: `Rollback to ${target.version}`,
        status: "pending-rollback",
        notes: target.info.notes,
      },
      version: last.version + 1,
      name,
      namespace,
    };
    this.releases.create(rolled, at);
    return rolled;
  }

  private completeRollback(rolled: HelmRelease, at: number): void {
    for (const release of this.releases.history(rolled.name, rolled.namespace)) {
      if (release.info.status === "deployed" && release.version !== rolled.version) {
        release.info.status = "superseded";
        this.releases.update(release, at);
      }
    }
    rolled.info.status = "deployed";
    this.releases.update(rolled, at);
  }

  private markFailed(release: HelmRelease, description: string, at: number): void {
    release.info.status = "failed" satisfies ReleaseStatus;
    release.info.description = description;
    this.releases.update(release, at);
  }
}

function error(message: string): HelmOutcome {
  return { code: 1, stdout: "", stderr: `Error: ${message}\n` };
}
