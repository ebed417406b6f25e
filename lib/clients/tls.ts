/**
 * Trusting one extra CA (a corporate TLS-inspecting proxy, the local simulator) on top of the usual ones.
 */
import https from "node:https";
import tls from "node:tls";
import type { ContainerServiceClientOptionalParams } from "@azure/arm-containerservice";

export type AzurePolicyConfig = NonNullable<ContainerServiceClientOptionalParams["additionalPolicies"]>[number];

/** Node's `ca` option replaces the default roots, so the extra CA is added to them rather than used alone. */
export function trustedCas(extraCaPem: string): string[] {
  return [...tls.rootCertificates, extraCaPem];
}

/**
 * A per-call Azure pipeline policy that sends every request through an agent trusting `extraCaPem`
 * (core-rest-pipeline honours `request.agent` on Node).
 */
export function extraCaPolicy(extraCaPem: string): AzurePolicyConfig {
  const agent = new https.Agent({ ca: trustedCas(extraCaPem), keepAlive: true });
  return {
    position: "perCall",
    policy: {
      name: "cluedinUpgradeExtraCa",
      sendRequest: (request, next) => {
        request.agent = agent;
        return next(request);
      },
    },
  };
}

/** Options shared by the Azure SDK clients: no SDK retries (the orchestration retries with durable timers). */
export function azureClientOptions(extraCaPem: string | undefined): {
  retryOptions: { maxRetries: number };
  additionalPolicies: AzurePolicyConfig[];
} {
  return { retryOptions: { maxRetries: 0 }, additionalPolicies: extraCaPem ? [extraCaPolicy(extraCaPem)] : [] };
}

/** A kubeconfig `certificate-authority-data` value holding the cluster's CA and the extra one. */
export function mergeCaData(caDataBase64: string | undefined, extraCaPem: string | undefined): string | undefined {
  if (!extraCaPem) return caDataBase64;
  // Without a cluster CA the server presents a publicly trusted certificate: keep the default roots then.
  const base = caDataBase64 ? [Buffer.from(caDataBase64, "base64").toString("utf8")] : [...tls.rootCertificates];
  const joined = [...base, extraCaPem].map((pem) => pem.trim()).join("\n");
  return Buffer.from(`${joined}\n`, "utf8").toString("base64");
}
