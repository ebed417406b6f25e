/**
 * The AKS management plane through `@azure/arm-containerservice`: cluster facts, a KubeConfig for the Kubernetes
 * API, and Run Command started and polled separately (an activity may run 10 minutes at most, REFERENCE §3).
 */
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/identity";
import type { KubeConfig } from "@kubernetes/client-node";
import { lazily } from "../lazily.js";
import { aksAadServerScope } from "./aad.js";
import { zipContextBase64 } from "./command-files.js";
import { ClusterApiError, guarded } from "./errors.js";
import { azureClientOptions } from "./tls.js";
import type { ClusterFacts, ClusterTarget, CommandHandle, CommandPoll, HelmCommandFile } from "./types.js";

/** The command id at the end of the `Location` the runCommand POST answers with (`.../commandResults/{id}`). */
export function commandIdFromLocation(location: string | undefined): string | undefined {
  return location?.match(/\/commandResults\/([^/?#]+)/i)?.[1];
}

/** Reads the operation location out of a serialized poller (`{state: {config: {operationLocation}}}`). */
export function commandIdFromPollerState(serialized: string): string | undefined {
  try {
    const parsed = JSON.parse(serialized) as { state?: { config?: { operationLocation?: unknown } } };
    const location = parsed.state?.config?.operationLocation;
    return typeof location === "string" ? commandIdFromLocation(location) : undefined;
  } catch {
    return undefined;
  }
}

const doneStates = new Set(["succeeded", "failed", "canceled", "cancelled"]);

/** Exit code reported when AKS ended a command without one (its pod failed to start, it was cancelled). */
export const noExitCode = -1;

export interface RunCommandResultView {
  provisioningState?: string;
  exitCode?: number;
  finishedAt?: Date;
  logs?: string;
  reason?: string;
}

/** Maps a `getCommandResult` answer (undefined for a bodiless 202) to our poll shape. */
export function toCommandPoll(result: RunCommandResultView | undefined, now: Date): CommandPoll {
  const state = result?.provisioningState?.toLowerCase();
  if (!result || !state || !doneStates.has(state)) return { state: "running" };
  const logs = result.reason
    ? `${result.logs ?? ""}${result.logs?.endsWith("\n") ? "" : "\n"}${result.reason}`
    : result.logs;
  return {
    state: "done",
    exitCode: result.exitCode ?? (state === "succeeded" ? 0 : noExitCode),
    logs: logs ?? "",
    finishedAt: (result.finishedAt ?? now).toISOString(),
  };
}

export interface AksClientOptions {
  target: Pick<ClusterTarget, "subscriptionId" | "resourceGroup" | "clusterName" | "armEndpoint">;
  credential: TokenCredential;
  /** PEM of one more CA to trust for ARM and the Kubernetes API. */
  extraCaPem?: string;
  /** Budget of each ARM request; ARM that does not answer in time is a transient failure. Default 60 s. */
  requestTimeoutMs?: number;
  now?: () => number;
}

export class AksClient {
  /** The ARM SDK is loaded on the first call (lib/lazily.ts). */
  private readonly client: () => Promise<ContainerServiceClient>;
  private readonly credential: TokenCredential;
  private readonly target: AksClientOptions["target"];
  private readonly extraCaPem: string | undefined;
  private readonly now: () => number;
  private readonly requestTimeoutMs: number;

  constructor(options: AksClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.credential = options.credential;
    this.target = options.target;
    this.extraCaPem = options.extraCaPem;
    this.now = options.now ?? Date.now;
    this.client = lazily(async () => {
      const { ContainerServiceClient } = await import("@azure/arm-containerservice");
      return new ContainerServiceClient(options.credential, options.target.subscriptionId, {
        endpoint: options.target.armEndpoint,
        ...azureClientOptions(options.extraCaPem),
      });
    });
  }

  async facts(): Promise<ClusterFacts> {
    const { resourceGroup, clusterName } = this.target;
    const cluster = await guarded("AKS get cluster", async () =>
      (await this.client()).managedClusters.get(resourceGroup, clusterName, this.callOptions()),
    );
    return {
      kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion ?? "unknown",
      aadManaged: cluster.aadProfile?.managed === true,
      azureRbac: cluster.aadProfile?.enableAzureRbac === true,
      privateCluster: cluster.apiServerAccessProfile?.enablePrivateCluster === true,
      runCommandAllowed: cluster.apiServerAccessProfile?.disableRunCommand !== true,
      provisioningState: cluster.provisioningState ?? "unknown",
    };
  }

  /** A KubeConfig for the cluster's API server; for AAD clusters it authenticates with this client's credential. */
  async kubeConfig(): Promise<KubeConfig> {
    const { resourceGroup, clusterName } = this.target;
    const credentials = await guarded("AKS list cluster user credentials", async () =>
      (await this.client()).managedClusters.listClusterUserCredentials(resourceGroup, clusterName, this.callOptions()),
    );
    const value = credentials.kubeconfigs?.[0]?.value;
    if (!value)
      throw new ClusterApiError("AKS list cluster user credentials", { transient: false, detail: "no kubeconfig" });
    const { kubeConfigFromAks } = await import("./kubeconfig.js");
    return kubeConfigFromAks(Buffer.from(value).toString("utf8"), {
      credential: this.credential,
      ...(this.extraCaPem !== undefined ? { extraCaPem: this.extraCaPem } : {}),
    });
  }

  /**
   * Submits `command` to AKS Run Command with `files` extracted into its working directory and returns at once.
   * `clusterToken` sends an AAD token for the API server (needed on AAD clusters with local accounts disabled).
   */
  async startRunCommand(
    command: string,
    files: HelmCommandFile[],
    options: { clusterToken?: boolean } = {},
  ): Promise<CommandHandle> {
    const operation = "AKS run command";
    const { resourceGroup, clusterName } = this.target;
    const context = files.length > 0 ? zipContextBase64(files) : undefined;
    const clusterToken = options.clusterToken ? await this.clusterToken() : undefined;
    const startedAt = new Date(this.now()).toISOString();
    const commandId = await guarded(operation, async () => {
      const poller = (await this.client()).managedClusters.runCommand(
        resourceGroup,
        clusterName,
        {
          command,
          ...(context !== undefined ? { context } : {}),
          ...(clusterToken !== undefined ? { clusterToken } : {}),
        },
        this.callOptions(),
      );
      await poller.submitted();
      return commandIdFromPollerState(await poller.serialize()) ?? (poller.isDone ? poller.result?.id : undefined);
    });
    if (!commandId) throw new ClusterApiError(operation, { transient: false, detail: "no command id in the answer" });
    return { driver: "run-command", commandId, startedAt };
  }

  async pollRunCommand(handle: CommandHandle): Promise<CommandPoll> {
    if (handle.driver !== "run-command") throw new Error(`not a run-command handle: ${handle.driver}`);
    const { resourceGroup, clusterName } = this.target;
    const result = await guarded("AKS get command result", async () =>
      (await this.client()).managedClusters.getCommandResult(
        resourceGroup,
        clusterName,
        handle.commandId,
        this.callOptions(),
      ),
    );
    return toCommandPoll(result, new Date(this.now()));
  }

  private callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.requestTimeoutMs) };
  }

  private async clusterToken(): Promise<string> {
    const token = await guarded("get AAD token for the cluster", () => this.credential.getToken(aksAadServerScope));
    if (!token) throw new ClusterApiError("get AAD token for the cluster", { transient: true, detail: "no token" });
    return token.token;
  }
}
