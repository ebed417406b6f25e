/**
 * Turns the kubeconfig AKS hands out (`listClusterUserCredentials`) into a client-node KubeConfig the app can use
 * in Azure: same server and CA, and for AAD clusters a token from our own TokenCredential instead of the kubelogin
 * exec plugin (which is not installed where the app runs).
 */
import https from "node:https";
import { KubeConfig, type Cluster, type User } from "@kubernetes/client-node";
import type { TokenCredential } from "@azure/identity";
import { stringify } from "yaml";
import { aksAadServerScope } from "./aad.js";
import { mergeCaData } from "./tls.js";

/** Our auth-provider name: client-node has a built-in `azure` provider that would match first. */
export const aadAuthProviderName = "cluedin-upgrade-aad";

type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

export function aadAuthenticator(credential: TokenCredential): Authenticator {
  return {
    isAuthProvider: (user: User) => (user.authProvider as { name?: unknown } | undefined)?.name === aadAuthProviderName,
    applyAuthentication: async (_user: User, opts: { headers?: Record<string, unknown> }) => {
      const token = await credential.getToken(aksAadServerScope);
      if (!token) throw new Error("no token for the AKS AAD server application");
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token.token}` };
    },
  };
}

/** An AAD user: kubelogin's exec plugin or the legacy `azure` auth-provider, without a static credential. */
export function isAadUser(user: User): boolean {
  const hasStaticCredential = Boolean(user.token || user.certData || user.certFile || user.username);
  return !hasStaticCredential && Boolean(user.exec || user.authProvider);
}

export interface KubeConfigFromAksOptions {
  credential: TokenCredential;
  extraCaPem?: string;
}

/** Builds the KubeConfig for the current context of `kubeconfigYaml`; throws if it names no usable cluster. */
export function kubeConfigFromAks(kubeconfigYaml: string, options: KubeConfigFromAksOptions): KubeConfig {
  const source = new KubeConfig();
  source.loadFromString(kubeconfigYaml);
  const contextName = source.getCurrentContext() || source.getContexts()[0]?.name;
  const context = contextName ? source.getContextObject(contextName) : null;
  const cluster = context ? source.getCluster(context.cluster) : null;
  const user = context ? source.getUser(context.user) : null;
  if (!context || !cluster || !user) throw new Error("the AKS kubeconfig has no current context with cluster and user");

  const usable: User = isAadUser(user)
    ? { name: user.name, authProvider: { name: aadAuthProviderName, config: {} } }
    : user;
  const caData = mergeCaData(cluster.caData, options.extraCaPem);
  const trusted: Cluster = { ...cluster, ...(caData !== undefined ? { caData } : {}) };
  const kc = new KubeConfig();
  kc.addAuthenticator(aadAuthenticator(options.credential));
  kc.loadFromOptions({
    clusters: [trusted],
    users: [usable],
    contexts: [{ name: context.name, cluster: trusted.name, user: usable.name, namespace: context.namespace }],
    currentContext: context.name,
  });
  return kc;
}

/**
 * A self-contained kubeconfig for CLI tools (helm, kubectl): server, CA and the bearer token or client certificate
 * the KubeConfig would send right now. Written to a 0600 file for one run only; never returned to callers of clients.
 */
export async function materializeKubeconfig(kc: KubeConfig): Promise<string> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error("the KubeConfig has no current cluster and user");
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const authorization = (opts.headers as Record<string, unknown> | undefined)?.Authorization;
  const token = typeof authorization === "string" ? authorization.replace(/^Bearer\s+/i, "") : undefined;
  const clusterEntry: Record<string, unknown> = { server: cluster.server };
  if (cluster.caData) clusterEntry["certificate-authority-data"] = cluster.caData;
  if (cluster.skipTLSVerify) clusterEntry["insecure-skip-tls-verify"] = true;
  if (cluster.tlsServerName) clusterEntry["tls-server-name"] = cluster.tlsServerName;
  const userEntry: Record<string, unknown> = {};
  if (token) userEntry.token = token;
  if (user.certData) userEntry["client-certificate-data"] = user.certData;
  if (user.keyData) userEntry["client-key-data"] = user.keyData;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "target", cluster: clusterEntry }],
    users: [{ name: "target", user: userEntry }],
    contexts: [{ name: "target", context: { cluster: "target", user: "target" } }],
    "current-context": "target",
  });
}
