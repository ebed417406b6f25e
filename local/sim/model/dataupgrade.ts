import { isMap } from "../core/values.js";
import type { KubeObject } from "../kube/types.js";
import type { Faults } from "./faults.js";
import { serverLine, type LogLine } from "./logs.js";
import type { Timings } from "./timings.js";
import { upgradeScript } from "./upgrade-scripts.js";

export interface DataUpgradeRecord {
  at: string;
  name: string;
  namespace: string;
  toVersion: string;
  via: string;
  /** Whether cluedin-server ran in upgrade mode when the resource was created. */
  serverInUpgradeMode: boolean;
}

export interface OperatorHost {
  now(): number;
  schedule(at: number, fn: (at: number) => void): () => void;
  timings: Timings;
  scale: number;
  serverReadyAt(): number;
  serverPod(): string | undefined;
  serverInUpgradeMode(): boolean;
  /** The release's `global.alerts.target`, which the operator's status echoes (as a real one may). */
  alertsTarget(): string | undefined;
  writeLog(pod: string, line: LogLine): void;
  setStatus(namespace: string, name: string, status: { phase: string; message: string }): void;
  takeFault(): Faults["dataUpgrade"];
}

interface Job {
  namespace: string;
  name: string;
  toVersion: string;
  cancel: () => void;
  waitingForServer: boolean;
}

/**
 * The cluedin-controller's DataUpgrade operator: picks up a new resource, calls the server's
 * `POST /api/upgradeto/<toVersion>` once cluedin-server is ready, writes the server's log lines and the status.
 */
export class DataUpgradeOperator {
  private readonly jobs = new Map<string, Job>();
  readonly records: DataUpgradeRecord[] = [];

  constructor(private readonly host: OperatorHost) {}

  created(object: KubeObject, via: string): void {
    const spec = isMap(object.spec) ? object.spec : {};
    const toVersion = typeof spec.toVersion === "string" ? spec.toVersion : "";
    const namespace = object.metadata.namespace ?? "";
    const key = `${namespace}/${object.metadata.name}`;
    this.records.push({
      at: new Date(this.host.now()).toISOString(),
      name: object.metadata.name,
      namespace,
      toVersion,
      via,
      serverInUpgradeMode: this.host.serverInUpgradeMode(),
    });
    const job: Job = {
      namespace,
      name: object.metadata.name,
      toVersion,
      cancel: () => undefined,
      waitingForServer: false,
    };
    this.jobs.set(key, job);
    job.cancel = this.host.schedule(this.host.now() + this.host.timings.dataUpgradePickupMs, () => this.attempt(job));
  }

  deleted(object: KubeObject): void {
    const key = `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    this.jobs.get(key)?.cancel();
    this.jobs.delete(key);
  }

  /** The cluster changed (a rollout, a fault cleared): resources waiting for the server try again. */
  changed(): void {
    for (const job of this.jobs.values()) if (job.waitingForServer) this.attempt(job);
  }

  private attempt(job: Job): void {
    const now = this.host.now();
    const readyAt = this.host.serverReadyAt();
    if (readyAt > now) {
      if (!job.waitingForServer) {
        this.host.setStatus(job.namespace, job.name, {
          phase: "Pending",
          message: "Waiting for cluedin-server to be ready",
        });
      }
      job.waitingForServer = true;
      job.cancel();
      if (Number.isFinite(readyAt)) job.cancel = this.host.schedule(readyAt, () => this.attempt(job));
      return;
    }
    job.waitingForServer = false;
    this.run(job, now);
  }

  /** Log lines are written ahead with their own timestamps; readers only see those at or before the present. */
  private run(job: Job, start: number): void {
    const pod = this.host.serverPod();
    const fault = this.host.takeFault();
    const step = this.host.timings.dataUpgradeStepMs;
    const write = (at: number, level: "INF" | "ERR", message: string): void => {
      // The pages print these lines without a source: `[#093 12:12:33 INF] Performing Upgrade Scenario ...`.
      if (pod) this.host.writeLog(pod, serverLine(at, level, "", message));
    };
    const respond = (at: number, code: number, elapsedMs: number): void => {
      if (pod) {
        this.host.writeLog(
          pod,
          serverLine(
            at,
            code === 200 ? "INF" : "ERR",
            "",
            `HTTP POST /api/upgradeto/${job.toVersion} responded ${code} in ${elapsedMs.toFixed(4)} ms`,
          ),
        );
      }
    };
    this.host.setStatus(job.namespace, job.name, {
      phase: "Running",
      message: `Calling POST /api/upgradeto/${job.toVersion}`,
    });
    if (!/^Version\d+$/.test(job.toVersion)) {
      respond(start, 400, 12.5);
      this.host.setStatus(job.namespace, job.name, {
        phase: "Failed",
        message: `Unknown upgrade version '${job.toVersion}': POST /api/upgradeto/${job.toVersion} responded 400`,
      });
      this.jobs.delete(`${job.namespace}/${job.name}`);
      return;
    }
    // Realistic offsets from the pages, on the simulator's time scale.
    const script = upgradeScript(job.toVersion, step / this.host.scale);
    const scaled = (ms: number): number => start + ms * this.host.scale;
    for (const [index, { scenario, performAtMs, completeAtMs }] of script.steps.entries()) {
      write(scaled(performAtMs), "INF", `Performing Upgrade Scenario ${scenario} for version ${job.toVersion}`);
      if (fault?.mode === "never") {
        this.jobs.delete(`${job.namespace}/${job.name}`);
        return;
      }
      if (fault?.mode === "error" && index === script.steps.length - 1) {
        const failedMs = performAtMs + Math.max(500, (completeAtMs - performAtMs) / 2);
        write(
          scaled(failedMs),
          "ERR",
          `Upgrade Scenario ${scenario} for version ${job.toVersion} failed: System.InvalidOperationException: Elasticsearch rejected the mapping update (index cluedin-clues is read-only)`,
        );
        job.cancel = this.host.schedule(scaled(failedMs), (when) => {
          respond(when, 500, failedMs + 3.2109);
          this.host.setStatus(job.namespace, job.name, {
            phase: "Failed",
            message: `POST /api/upgradeto/${job.toVersion} responded 500`,
          });
          this.jobs.delete(`${job.namespace}/${job.name}`);
        });
        return;
      }
      write(scaled(completeAtMs), "INF", `Completed Upgrade Scenario ${scenario} for version ${job.toVersion}`);
    }
    const at = scaled(script.respondedInMs);
    job.cancel = this.host.schedule(at, (when) => {
      respond(when, 200, script.respondedInMs);
      const alerts = this.host.alertsTarget();
      this.host.setStatus(job.namespace, job.name, {
        phase: "Succeeded",
        message: `Data upgraded to ${job.toVersion}${alerts === undefined ? "" : `; progress posted to ${alerts}`}`,
      });
      this.jobs.delete(`${job.namespace}/${job.name}`);
    });
  }
}
