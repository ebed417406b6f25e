/**
 * The app's dependencies, built once from its settings: configuration files, the Azure credential, a client set
 * per cluster, the mail transport, the approval signing key. Built lazily on first use so that importing the app
 * (Azure's worker, the local runtime, tests) reads nothing; a wrong setting fails the first call with its name.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type {
  AccessToken,
  DefaultAzureCredential,
  DefaultAzureCredentialClientIdOptions,
  GetTokenOptions,
  TokenCredential,
} from "@azure/identity";
import { BlobAuditSink, FileAuditSink, type AuditSink } from "./audit/sink.js";
import { parseReleaseCatalog, VALUES_FILES_DIR, type ReleaseCatalog } from "./catalog/index.js";
import { AksClient } from "./clients/aks.js";
import type { KubeClient } from "./clients/kube.js";
import type { VolumeClient } from "./clients/volumes.js";
import type { NodeClient } from "./clients/nodes.js";
import { CliRunner } from "./clients/cli-runner.js";
import { RunCommandRunner, type CommandRunner } from "./clients/runner.js";
import type { ClusterTarget } from "./clients/types.js";
import { findClusterProfile, parseClusterProfiles, type ClusterProfile } from "./config/clusters.js";
import { formatConfigIssues } from "./config/yaml-config.js";
import { parseFleets, type StrategyConfig } from "./fleet/config.js";
import { UnknownClusterError } from "./errors.js";
import { lazily } from "./lazily.js";
import { AcsTransport, OutboxTransport, type MailTransport } from "./mail/index.js";
import { loadSettings, SettingsError, type Settings } from "./settings.js";

export { UnknownClusterError };

export interface ClusterClients {
  profile: ClusterProfile;
  target: ClusterTarget;
  aks: AksClient;
  kube(): Promise<KubeClient>;
  /** Claims, snapshots and workload scale of the namespace (the snapshot and restore stages). */
  volumes(): Promise<VolumeClient>;
  /** Nodes, pod requests and the image pre-pull DaemonSet (the capacity pre-check and the pre-pull stage). */
  nodes(): Promise<NodeClient>;
  runner: CommandRunner;
}

export interface Services {
  settings: Settings;
  catalog: ReleaseCatalog;
  profiles: ClusterProfile[];
  profile(name: string): ClusterProfile | undefined;
  /** Fleet strategies (FLEETS_FILE), read on first use: an app without fleets never needs the file. */
  strategies(): StrategyConfig[];
  /** The cluster's clients; throws UnknownClusterError (a 404 `unknown-cluster` on a route) for an unknown name. */
  cluster(name: string): ClusterClients;
  mail: MailTransport;
  signingKey: string;
  /** The catalog's further values files (config/values-files/<name>), read once: the Helm commands send them. */
  valuesFiles: ReadonlyMap<string, string>;
  /** Where each run's audit record is kept when it ends. */
  audit: AuditSink;
}

/** A fixed bearer token: for the simulator, which accepts exactly one. Never used against Azure. */
function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

type FileSetting = "CLUSTERS_FILE" | "RELEASES_FILE" | "FLEETS_FILE" | "EXTRA_CA_CERT_FILE";

/**
 * Every values file a catalog command names, from `values-files/` beside the catalog: a missing one is a
 * configuration error at start-up, not a failed Helm command in the middle of a downtime.
 */
function readValuesFiles(catalog: ReleaseCatalog, dir: string): Map<string, string> {
  const names = catalog.releases.flatMap((r) => [
    ...r.helm.upgrade.extraValuesFiles,
    ...(r.helm.finalize?.extraValuesFiles ?? []),
  ]);
  return new Map(names.map((name) => [name, readSettingFile("RELEASES_FILE", path.join(dir, name))]));
}

/** Reads the file a setting names; a missing or unreadable file is a configuration error that names the setting. */
function readSettingFile(setting: FileSetting, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : `cannot read the file (${code ?? "error"})`;
    const problem = `${setting}: ${reason}: ${file}`;
    throw new SettingsError(`invalid configuration:\n  ${problem}`, [problem]);
  }
}

function readConfig<T>(
  setting: FileSetting,
  file: string,
  parse: (
    text: string,
  ) => { ok: true; value: T } | { ok: false; issues: never[] | { path: string; message: string }[] },
): T {
  const result = parse(readSettingFile(setting, file));
  if (!result.ok) {
    const problems = formatConfigIssues(file, result.issues).split("\n");
    throw new SettingsError(`invalid ${file} (${setting}):\n${problems.join("\n")}`, problems);
  }
  return result.value;
}

/** DefaultAzureCredential, made (and `@azure/identity` loaded) on the first token request: lib/lazily.ts. */
export class DeferredAzureCredential implements TokenCredential {
  readonly credential: () => Promise<DefaultAzureCredential>;

  constructor(options: DefaultAzureCredentialClientIdOptions) {
    this.credential = lazily(async () => new (await import("@azure/identity")).DefaultAzureCredential(options));
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    return (await this.credential()).getToken(scopes, options);
  }
}

/** Managed identity in Azure (the user-assigned one named by AZURE_CLIENT_ID), developer sign-ins elsewhere. */
export function azureCredential(settings: Settings): TokenCredential {
  return settings.AZURE_CREDENTIAL === "static-token"
    ? staticTokenCredential(settings.AZURE_STATIC_TOKEN ?? "")
    : new DeferredAzureCredential(
        settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
      );
}

/** The CLI driver needs the cluster's kube config, which only an ARM call gives: fetched on first use. */
function lazyCliRunner(aks: AksClient, stateDir: string): CommandRunner {
  let runner: Promise<CliRunner> | undefined;
  const get = (): Promise<CliRunner> =>
    (runner ??= aks.kubeConfig().then((kubeConfig) => new CliRunner({ kubeConfig, stateDir })));
  return {
    start: async (commands, files) => (await get()).start(commands, files),
    poll: async (handle) => (await get()).poll(handle),
  };
}

/** Kube configs come from listClusterUserCredentials; one per cluster is reused for a while, tokens refresh per call. */
const KUBECONFIG_TTL_MS = 10 * 60_000;

/** A client made from the cluster's kube config, reused for KUBECONFIG_TTL_MS; a failed make is retried on next use. */
function cachedClient<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: { client: Promise<T>; at: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > KUBECONFIG_TTL_MS) {
      const client = make();
      client.catch(() => (cached = undefined));
      cached = { client, at: Date.now() };
    }
    return cached.client;
  };
}

export function buildServices(settings: Settings): Services {
  const valuesFilesDir = path.join(path.dirname(settings.RELEASES_FILE), VALUES_FILES_DIR);
  const catalog = readConfig("RELEASES_FILE", settings.RELEASES_FILE, (text) =>
    parseReleaseCatalog(text, { valuesFileExists: (name) => existsSync(path.join(valuesFilesDir, name)) }),
  );
  const valuesFiles = readValuesFiles(catalog, valuesFilesDir);
  const profiles = readConfig("CLUSTERS_FILE", settings.CLUSTERS_FILE, parseClusterProfiles);
  let strategies: StrategyConfig[] | undefined;
  const credential = azureCredential(settings);
  const extraCaPem = settings.EXTRA_CA_CERT_FILE
    ? readSettingFile("EXTRA_CA_CERT_FILE", settings.EXTRA_CA_CERT_FILE)
    : undefined;
  const mail: MailTransport =
    settings.MAIL_DRIVER === "outbox"
      ? new OutboxTransport({ dir: settings.MAIL_OUTBOX_DIR, from: settings.MAIL_SENDER })
      : new AcsTransport({ endpoint: settings.ACS_ENDPOINT ?? "", credential, senderAddress: settings.MAIL_SENDER });

  const clusters = new Map<string, ClusterClients>();
  const clusterClients = (profile: ClusterProfile): ClusterClients => {
    const target: ClusterTarget = {
      subscriptionId: profile.subscriptionId,
      resourceGroup: profile.resourceGroup,
      clusterName: profile.clusterName,
      namespace: profile.namespace,
      releaseName: profile.release,
      armEndpoint: profile.armEndpoint,
      uiUrl: profile.uiUrl,
    };
    const aks = new AksClient({ target, credential, ...(extraCaPem ? { extraCaPem } : {}) });
    const kube = cachedClient(() =>
      Promise.all([aks.kubeConfig(), import("./clients/kube.js")]).then(
        ([kubeConfig, { KubeClient }]) => new KubeClient({ kubeConfig, namespace: profile.namespace }),
      ),
    );
    const volumes = cachedClient(() =>
      Promise.all([aks.kubeConfig(), import("./clients/volumes.js")]).then(
        ([kubeConfig, { VolumeClient }]) => new VolumeClient({ kubeConfig, namespace: profile.namespace }),
      ),
    );
    const nodes = cachedClient(() =>
      Promise.all([aks.kubeConfig(), import("./clients/nodes.js")]).then(
        ([kubeConfig, { NodeClient }]) => new NodeClient({ kubeConfig, namespace: profile.namespace }),
      ),
    );
    const runner: CommandRunner =
      profile.helmDriver === "cli"
        ? lazyCliRunner(aks, settings.CLI_STATE_DIR)
        : new RunCommandRunner({ aks, clusterToken: true });
    return { profile, target, aks, kube, volumes, nodes, runner };
  };

  return {
    settings,
    catalog,
    profiles,
    profile: (name) => findClusterProfile(profiles, name),
    strategies: () => (strategies ??= readConfig("FLEETS_FILE", settings.FLEETS_FILE, parseFleets)),
    cluster: (name) => {
      const profile = findClusterProfile(profiles, name);
      if (!profile) throw new UnknownClusterError(name);
      let clients = clusters.get(name);
      if (!clients) clusters.set(name, (clients = clusterClients(profile)));
      return clients;
    },
    mail,
    signingKey: settings.APPROVAL_SIGNING_KEY,
    valuesFiles,
    audit:
      settings.AUDIT_SINK === "blob"
        ? new BlobAuditSink({ containerUrl: settings.AUDIT_BLOB_URL ?? "", credential })
        : new FileAuditSink({ dir: settings.AUDIT_DIR }),
  };
}

/**
 * What activities depend on, each read on use (the services are built on first use, once, and rebuilt only by
 * `resetServices`). Each activity names the part it needs (`Pick<WorkflowDeps, …>`); main.ts supplies them.
 */
export interface WorkflowDeps {
  cluster: (name: string) => ClusterClients;
  profile: (name: string) => ClusterProfile | undefined;
  catalog: () => ReleaseCatalog;
  /** A values file the catalog names (config/values-files/<name>); throws for one it does not name. */
  valuesFile: (name: string) => string;
  signingKey: () => string;
  mail: () => MailTransport;
  audit: () => AuditSink;
  publicBaseUrl: () => string;
}

let current: Services | undefined;

/**
 * The services for the settings of the environment, built on first use and kept: App Settings do not change under a
 * running worker. Whoever changes the environment in-process (the local app, tests) calls `resetServices` after.
 * A build that fails (a wrong setting) is not kept: the next call tries again.
 */
export function services(): Services {
  return (current ??= buildServices(loadSettings()));
}

/** Drops the services built so far; the next `services()` builds them from the environment as it is then. */
export function resetServices(): void {
  current = undefined;
}
