import { stringify } from "yaml";

/** The AKS server application every AAD cluster's tokens are issued for. */
export const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
/** Azure CLI's public client id, which kubelogin uses for device-code logins. */
const AZURE_CLI_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caCertPem: string;
  userName: string;
  namespace?: string;
  user: { token: string } | { kubelogin: { tenantId: string } } | { azureAuthProvider: { tenantId: string } };
}

/** A kubeconfig as AKS returns it (clusterUser: kubelogin exec entry for AAD clusters; clusterAdmin: a token). */
export function kubeconfigYaml(input: KubeconfigInput): string {
  let user: Record<string, unknown>;
  if ("token" in input.user) user = { token: input.user.token };
  else if ("kubelogin" in input.user) {
    user = {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        args: [
          "get-token",
          "--environment",
          "AzurePublicCloud",
          "--server-id",
          AKS_SERVER_APP_ID,
          "--client-id",
          AZURE_CLI_CLIENT_ID,
          "--tenant-id",
          input.user.kubelogin.tenantId,
          "--login",
          "devicecode",
        ],
        command: "kubelogin",
        env: null,
        installHint:
          "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
        interactiveMode: "IfAvailable",
        provideClusterInfo: false,
      },
    };
  } else {
    user = {
      "auth-provider": {
        name: "azure",
        config: {
          "apiserver-id": AKS_SERVER_APP_ID,
          "client-id": AZURE_CLI_CLIENT_ID,
          "config-mode": "1",
          environment: "AzurePublicCloud",
          "tenant-id": input.user.azureAuthProvider.tenantId,
        },
      },
    };
  }
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: input.clusterName,
        cluster: {
          "certificate-authority-data": Buffer.from(input.caCertPem).toString("base64"),
          server: input.server,
        },
      },
    ],
    contexts: [
      {
        name: input.clusterName,
        context: {
          cluster: input.clusterName,
          user: input.userName,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    "current-context": input.clusterName,
    preferences: {},
    users: [{ name: input.userName, user }],
  });
}
