/**
 * The Kubernetes API of the CluedIn namespace through `@kubernetes/client-node` (object-parameter API): Helm
 * release history, pod health, server logs and the DataUpgrade resource. Expected outcomes are data; failed calls
 * throw a ClusterApiError naming the operation and the HTTP status.
 */
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type CoreV1Event,
  type KubeConfig,
  type V1Pod,
} from "@kubernetes/client-node";
import { z } from "zod";
import {
  dataUpgradeManifest,
  dataUpgradeResource,
  toDataUpgradeState,
  type DataUpgradeRequest,
} from "./data-upgrade.js";
import { guarded, statusOf, toClusterApiError } from "./errors.js";
import { kubeApiConfiguration } from "./kube-configuration.js";
import { decodeHelmReleaseData, sortRevisionsNewestFirst, toHelmRevision } from "./helm-release.js";
import { isUnhealthy, summarizePods } from "./pods.js";
import { isServerPod, mergeLogFindings, scanServerLog, type LogFindings } from "./server-logs.js";
import type { DataUpgradeState, HelmRevisionWithValues, LogScan, PodsSummary } from "./types.js";
import { redactText } from "../redaction/index.js";
import type { PodEvent } from "../workflow/diagnosis.js";

const releaseNameSchema = z
  .string()
  .max(53)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

export interface KubeClientOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Per-request budget; an API server that does not answer in time is a transient failure. Default 30 s. */
  requestTimeoutMs?: number;
  /** Clock for pod ages (Pending over five minutes). */
  now?: () => number;
}

export interface LogScanOptions {
  sinceSeconds: number;
  tailLines?: number;
}

const eventTime = (event: CoreV1Event): number =>
  new Date(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? 0).getTime();

/** A pod's main container: kubectl's default-container annotation, else the first container. */
function mainContainer(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.["kubectl.kubernetes.io/default-container"] ?? pod.spec?.containers[0]?.name;
}

export class KubeClient {
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly namespace: string;
  private readonly now: () => number;

  constructor(options: KubeClientOptions) {
    const configuration = kubeApiConfiguration(options.kubeConfig, options.requestTimeoutMs);
    this.core = new CoreV1Api(configuration);
    this.batch = new BatchV1Api(configuration);
    this.custom = new CustomObjectsApi(configuration);
    this.namespace = options.namespace;
    this.now = options.now ?? Date.now;
  }

  /** Every stored revision of `releaseName` with its user values, newest first. */
  async listHelmRevisions(releaseName: string): Promise<HelmRevisionWithValues[]> {
    const release = releaseNameSchema.parse(releaseName);
    const secrets = await guarded(`list Helm release secrets of ${release}`, () =>
      this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector: `owner=helm,name=${release}` }),
    );
    const revisions = secrets.items.map((secret) => {
      const name = secret.metadata?.name ?? "?";
      const data = secret.data?.release;
      if (!data) throw new Error(`Helm release secret ${name} has no release data`);
      try {
        return toHelmRevision(decodeHelmReleaseData(data), secret.metadata?.labels?.status);
      } catch (error) {
        throw new Error(`cannot decode Helm release secret ${name}`, { cause: error });
      }
    });
    return sortRevisionsNewestFirst(revisions);
  }

  async podsSummary(): Promise<PodsSummary> {
    const [pods, jobs] = await Promise.all([
      guarded("list pods", () => this.core.listNamespacedPod({ namespace: this.namespace })),
      guarded("list jobs", () => this.batch.listNamespacedJob({ namespace: this.namespace })),
    ]);
    return summarizePods(pods.items, jobs.items, this.now());
  }

  /** The pods neither Running and Ready nor Completed, as the API returns them. */
  async unhealthyPods(): Promise<V1Pod[]> {
    const pods = await guarded("list pods", () => this.core.listNamespacedPod({ namespace: this.namespace }));
    return pods.items.filter((pod) => isUnhealthy(pod, this.now()));
  }

  /**
   * The last `tailLines` of a container's log, the previous instance's with `previous` (`kubectl logs -p`);
   * undefined when there is none (no previous instance, the container has not started).
   */
  async podLogTail(
    name: string,
    options: { container: string; previous: boolean; tailLines: number },
  ): Promise<string | undefined> {
    try {
      return await this.core.readNamespacedPodLog({ name, namespace: this.namespace, ...options });
    } catch (error) {
      const status = statusOf(error);
      if (status === 400 || status === 404) return undefined;
      throw toClusterApiError(`read log of pod ${name}`, error);
    }
  }

  /** The Warning events about one pod (`kubectl describe pod`'s Events), oldest first. */
  async podWarnings(name: string): Promise<PodEvent[]> {
    const events = await guarded(`list events of pod ${name}`, () =>
      this.core.listNamespacedEvent({
        namespace: this.namespace,
        fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`,
      }),
    );
    return events.items
      .filter((e) => e.type === "Warning")
      .sort((a, b) => eventTime(a) - eventTime(b))
      .map((e) => ({
        type: e.type ?? "Warning",
        reason: e.reason ?? "",
        message: e.message ?? "",
        ...(e.count !== undefined ? { count: e.count } : {}),
      }));
  }

  /** ERR/FTL lines, startup and data upgrade markers of every CluedIn server pod over the last `sinceSeconds`. */
  async scanServerLogs(options: LogScanOptions): Promise<LogScan> {
    const pods = await guarded("list pods", () => this.core.listNamespacedPod({ namespace: this.namespace }));
    const servers = pods.items.filter((pod) => isServerPod(pod) && pod.status?.phase === "Running");
    const findings = await Promise.all(servers.map((pod) => this.scanPodLog(pod, options)));
    return mergeLogFindings(
      findings.filter((f): f is LogFindings => f !== undefined),
      options.sinceSeconds,
    );
  }

  private async scanPodLog(pod: V1Pod, options: LogScanOptions): Promise<LogFindings | undefined> {
    const name = pod.metadata?.name ?? "";
    const operation = `read log of pod ${name}`;
    try {
      const container = mainContainer(pod);
      const text = await this.core.readNamespacedPodLog({
        name,
        namespace: this.namespace,
        ...(container !== undefined ? { container } : {}),
        sinceSeconds: options.sinceSeconds,
        ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
      });
      return scanServerLog(text, redactText);
    } catch (error) {
      // The pod went away or its container is not running (yet): it has no log to read.
      const status = statusOf(error);
      if (status === 400 || status === 404) return undefined;
      throw toClusterApiError(operation, error);
    }
  }

  /** Creates the DataUpgrade resource; when it already exists, returns it with `created: false`. */
  async applyDataUpgrade(request: DataUpgradeRequest): Promise<DataUpgradeState> {
    const body = dataUpgradeManifest(request, this.namespace);
    try {
      const created: unknown = await this.custom.createNamespacedCustomObject({
        ...dataUpgradeResource,
        namespace: this.namespace,
        body,
      });
      return toDataUpgradeState(created, true);
    } catch (error) {
      if (statusOf(error) !== 409) throw toClusterApiError(`create DataUpgrade ${request.name}`, error);
    }
    const existing = await this.readDataUpgrade(request.name);
    if (!existing) throw toClusterApiError(`create DataUpgrade ${request.name}`, new Error("conflict, then not found"));
    return existing;
  }

  /** The DataUpgrade resource `name`, or undefined when there is none. */
  async readDataUpgrade(name: string): Promise<DataUpgradeState | undefined> {
    try {
      const object: unknown = await this.custom.getNamespacedCustomObject({
        ...dataUpgradeResource,
        namespace: this.namespace,
        name,
      });
      return toDataUpgradeState(object, false);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toClusterApiError(`read DataUpgrade ${name}`, error);
    }
  }

  /** Deletes the DataUpgrade resource `name`; false when it did not exist. */
  async deleteDataUpgrade(name: string): Promise<boolean> {
    try {
      await this.custom.deleteNamespacedCustomObject({ ...dataUpgradeResource, namespace: this.namespace, name });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw toClusterApiError(`delete DataUpgrade ${name}`, error);
    }
  }
}
