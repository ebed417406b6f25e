import { request as httpRequest } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { KubeConfig } from "@kubernetes/client-node";
import type { Simulator } from "../../../local/sim/index.js";

/** A TokenCredential that hands out the simulator's bearer token, recording the scopes it was asked for. */
export function simulatorCredential(sim: Simulator, scopes: string[] = []): TokenCredential {
  return {
    getToken: (scope): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return Promise.resolve({ token: sim.token, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

/** Trusts the simulator's CA for this client only: a per-call policy puts an https.Agent with the CA on each request. */
export function trustCaPolicy(caCertPem: string): PipelinePolicy {
  const agent = new Agent({ ca: caCertPem, keepAlive: false });
  return {
    name: "trustSimulatorCa",
    sendRequest: (request, next) => {
      request.agent = agent;
      return next(request);
    },
  };
}

export function armClient(
  sim: Simulator,
  options: { credential?: TokenCredential; scopes?: string[] } = {},
): ContainerServiceClient {
  return new ContainerServiceClient(
    options.credential ?? simulatorCredential(sim, options.scopes),
    sim.subscriptionId,
    {
      endpoint: sim.armEndpoint,
      additionalPolicies: [{ policy: trustCaPolicy(sim.caCertPem), position: "perCall" }],
      retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    },
  );
}

export function kubeConfig(sim: Simulator, token = sim.token): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "sim",
        server: sim.kubeServer,
        caData: Buffer.from(sim.caCertPem).toString("base64"),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: "sim", token }],
    contexts: [{ name: "sim", cluster: "sim", user: "sim", namespace: sim.namespace }],
    currentContext: "sim",
  });
  return kc;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain node:https request to a simulator endpoint (trusting its CA), for answers typed clients hide. */
export function rawRequest(
  url: string,
  options: {
    caCertPem?: string;
    token?: string;
    method?: string;
    body?: string;
    contentType?: string;
    signal?: AbortSignal;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      { method: options.method ?? "GET", headers, ca: options.caCertPem, signal: options.signal },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}
