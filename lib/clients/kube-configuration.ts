/** The client-node configuration every Kubernetes adapter uses: the cluster's server, its auth, a per-request budget. */
import { ServerConfiguration, createConfiguration, type Configuration, type KubeConfig } from "@kubernetes/client-node";

/** Per-request budget; an API server that does not answer in time is a transient failure. Default 30 s. */
export function kubeApiConfiguration(kubeConfig: KubeConfig, requestTimeoutMs = 30_000): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the KubeConfig has no current cluster");
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: (context) => {
          context.setSignal(AbortSignal.timeout(requestTimeoutMs));
          return Promise.resolve(context);
        },
        post: (context) => Promise.resolve(context),
      },
    ],
  });
}
