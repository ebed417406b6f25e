import type { IncomingMessage, ServerResponse } from "node:http";
import { hang } from "../core/fault-response.js";
import { hexId } from "../core/hash.js";
import { readBody, sendJson } from "../core/http.js";
import { unpackContext } from "../model/commands.js";
import type { World } from "../model/world.js";
import { kubeconfigYaml } from "./kubeconfig.js";

/** AKS api-versions the simulated resource provider accepts (recent stable ones, as ARM lists them). */
export const SUPPORTED_API_VERSIONS = [
  "2023-10-01",
  "2024-01-01",
  "2024-02-01",
  "2024-05-01",
  "2024-07-01",
  "2024-08-01",
  "2024-09-01",
  "2024-10-01",
  "2025-01-01",
  "2025-02-01",
  "2025-03-01",
  "2025-04-01",
  "2025-05-01",
  "2025-06-01",
  "2025-07-01",
  "2025-08-01",
  "2025-09-01",
  "2025-10-01",
  "2026-01-01",
  "2026-02-01",
  "2026-04-01",
];

export interface ArmServerOptions {
  world: () => World;
  token: string;
  kubeServer: () => string;
  caCertPem: string;
}

function armError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { error: { code, message } },
    { "x-ms-request-id": hexId(`${Date.now()}${Math.random()}`), ...headers },
  );
}

/** Azure Resource Manager for Microsoft.ContainerService/managedClusters: get, credentials, Run Command. */
export function createArmHandler(
  options: ArmServerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    const authorization = req.headers.authorization;
    if (authorization !== `Bearer ${options.token}`) {
      const missing = authorization === undefined;
      armError(
        res,
        401,
        missing ? "AuthenticationFailed" : "InvalidAuthenticationToken",
        missing ? "Authentication failed. The 'Authorization' header is missing." : "The access token is invalid.",
        {
          "WWW-Authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${missing ? "The authentication failed because of missing 'Authorization' header." : "The access token is invalid."}"`,
        },
      );
      return;
    }
    const world = options.world();
    world.sync();
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) {
      armError(
        res,
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
      return;
    }
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
      armError(
        res,
        400,
        "NoRegisteredProviderFound",
        `No registered resource provider found for location '${world.scenario.cluster.location}' and API version '${apiVersion}' for type 'managedClusters'. The supported api-versions are '${SUPPORTED_API_VERSIONS.join(", ")}'. The supported locations are 'westeurope, northeurope, eastus, westus2, uksouth'.`,
      );
      return;
    }
    const path = url.pathname;
    const match =
      /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters(?:\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?)?$/i.exec(
        path,
      );
    const isRunCommand = /\/(runcommand|commandresults\/[^/]+)$/i.test(path);
    const fault = world.faults.requestFault(
      isRunCommand ? "runCommand" : "arm",
      `${req.method ?? "GET"} ${path}`,
      world.now(),
    );
    if (fault) {
      if (fault.status === "timeout") hang(req, res, fault);
      else if (fault.status === 429) {
        armError(
          res,
          429,
          "TooManyRequests",
          "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.",
          {
            "Retry-After": String(fault.retryAfterSeconds),
          },
        );
      } else
        armError(
          res,
          fault.status,
          "InternalServerError",
          "An internal server error occurred. Please retry the request.",
        );
      return;
    }
    const cluster = world.scenario.cluster;
    if (!match) {
      armError(
        res,
        404,
        "InvalidResourceType",
        `The resource type could not be found in the namespace 'Microsoft.ContainerService' for api version '${apiVersion}'.`,
      );
      return;
    }
    const [, subscription = "", resourceGroup = "", name, action, actionArg] = match;
    if (subscription.toLowerCase() !== cluster.subscriptionId.toLowerCase()) {
      armError(res, 404, "SubscriptionNotFound", `The subscription '${subscription}' could not be found.`);
      return;
    }
    if (resourceGroup.toLowerCase() !== cluster.resourceGroup.toLowerCase()) {
      armError(res, 404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);
      return;
    }
    if (name === undefined) {
      if (req.method !== "GET") return methodNotAllowed(res, req.method);
      sendJson(res, 200, { value: [managedCluster(world)] });
      return;
    }
    if (name.toLowerCase() !== cluster.clusterName.toLowerCase()) {
      armError(
        res,
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
      return;
    }
    const act = action?.toLowerCase();
    if (act === undefined) {
      if (req.method === "GET") sendJson(res, 200, managedCluster(world));
      else if (req.method === "PUT" || req.method === "PATCH" || req.method === "DELETE")
        forbidden(res, world, req.method === "DELETE" ? "delete" : "write");
      else methodNotAllowed(res, req.method);
      return;
    }
    if (act === "listclusterusercredential" || act === "listclusteradmincredential") {
      if (req.method !== "POST") return methodNotAllowed(res, req.method);
      const admin = act === "listclusteradmincredential";
      const format = url.searchParams.get("format") ?? "exec";
      if (!admin && format !== "exec" && format !== "azure") {
        armError(res, 400, "BadRequest", `Invalid format '${format}'. Allowed values are 'azure' and 'exec'.`);
        return;
      }
      const userName = `${admin ? "clusterAdmin" : "clusterUser"}_${cluster.resourceGroup}_${cluster.clusterName}`;
      const yaml = kubeconfigYaml({
        clusterName: cluster.clusterName,
        server: options.kubeServer(),
        caCertPem: options.caCertPem,
        userName,
        user: admin
          ? { token: options.token }
          : format === "azure"
            ? { azureAuthProvider: { tenantId: cluster.tenantId } }
            : { kubelogin: { tenantId: cluster.tenantId } },
      });
      sendJson(res, 200, {
        kubeconfigs: [{ name: admin ? "clusterAdmin" : "clusterUser", value: Buffer.from(yaml).toString("base64") }],
      });
      return;
    }
    if (act === "runcommand") {
      if (req.method !== "POST") return methodNotAllowed(res, req.method);
      return runCommand(req, res, world, url, apiVersion);
    }
    if (act === "commandresults" && actionArg !== undefined) {
      if (req.method !== "GET") return methodNotAllowed(res, req.method);
      const record = world.commands.get(actionArg);
      if (!record) {
        armError(res, 404, "NotFound", `Command result '${actionArg}' was not found.`);
        return;
      }
      // The client polls in core-lro's ResourceLocation mode, where the status code decides: 202 keeps polling and
      // 200 is final even when provisioningState says Failed (REFERENCE §3), so a dead command pod is data, not a throw.
      const view = world.commands.view(record, world.now());
      const { id, ...properties } = view;
      const location = `https://${req.headers.host ?? "127.0.0.1"}${path}?api-version=${apiVersion}`;
      sendJson(
        res,
        view.provisioningState === "Running" ? 202 : 200,
        { id, properties },
        view.provisioningState === "Running" ? { Location: location } : {},
      );
      return;
    }
    armError(
      res,
      404,
      "InvalidResourceType",
      `The resource type '${action ?? ""}' could not be found in the namespace 'Microsoft.ContainerService' for api version '${apiVersion}'.`,
    );
  };
}

function methodNotAllowed(res: ServerResponse, method: string | undefined): void {
  armError(res, 405, "MethodNotAllowed", `The requested resource does not support http method '${method ?? ""}'.`);
}

function forbidden(res: ServerResponse, world: World, verb: string): void {
  const c = world.scenario.cluster;
  armError(
    res,
    403,
    "AuthorizationFailed",
    `The client '${world.user}' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/${verb}' over scope '/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.clusterName}' or the scope is invalid.`,
  );
}

async function runCommand(
  req: IncomingMessage,
  res: ServerResponse,
  world: World,
  url: URL,
  apiVersion: string,
): Promise<void> {
  let payload: unknown;
  try {
    payload = JSON.parse((await readBody(req)).toString("utf8"));
  } catch (error) {
    armError(
      res,
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: '${(error as Error).message}'.`,
    );
    return;
  }
  const body = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>;
  if (typeof body.command !== "string" || body.command.trim() === "") {
    armError(res, 400, "InvalidParameter", "The value of parameter command is invalid: a command is required.");
    return;
  }
  if (world.scenario.cluster.runCommandDisabled) {
    armError(
      res,
      400,
      "RunCommandDisabled",
      "Run command is disabled for this cluster (apiServerAccessProfile.disableRunCommand).",
    );
    return;
  }
  const context = unpackContext(typeof body.context === "string" ? body.context : undefined);
  if (!context.ok) {
    armError(res, 400, "InvalidParameter", context.reason);
    return;
  }
  const record = world.submitCommand(
    body.command,
    context.files,
    typeof body.clusterToken === "string" ? body.clusterToken : undefined,
  );
  const base = url.pathname.replace(/\/runCommand$/i, "");
  res.writeHead(202, {
    Location: `https://${req.headers.host ?? "127.0.0.1"}${base}/commandResults/${record.id}?api-version=${apiVersion}`,
    "Content-Length": 0,
  });
  res.end();
}

function managedCluster(world: World): unknown {
  const c = world.scenario.cluster;
  const [major = "1", minor = "30"] = c.kubernetesVersion.split(".");
  const fqdn = `${c.clusterName}-dns-${hexId(c.clusterName, 8)}.hcp.${c.location}.azmk8s.io`;
  return {
    id: `/subscriptions/${c.subscriptionId}/resourcegroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.clusterName}`,
    location: c.location,
    name: c.clusterName,
    type: "Microsoft.ContainerService/ManagedClusters",
    tags: { environment: world.scenario.name },
    sku: { name: "Base", tier: "Standard" },
    properties: {
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      kubernetesVersion: `${major}.${minor}`,
      currentKubernetesVersion: c.kubernetesVersion,
      dnsPrefix: `${c.clusterName}-dns`,
      ...(c.privateCluster
        ? { privateFQDN: `${c.clusterName}-dns-${hexId(c.clusterName, 8)}.privatelink.${c.location}.azmk8s.io` }
        : {
            fqdn,
            azurePortalFQDN: `${c.clusterName}-dns-${hexId(c.clusterName, 8)}.portal.hcp.${c.location}.azmk8s.io`,
          }),
      agentPoolProfiles: [
        {
          name: "nodepool1",
          count: 3,
          vmSize: "Standard_D8s_v5",
          osType: "Linux",
          mode: "System",
          orchestratorVersion: c.kubernetesVersion,
          provisioningState: "Succeeded",
          powerState: { code: "Running" },
        },
      ],
      nodeResourceGroup: `MC_${c.resourceGroup}_${c.clusterName}_${c.location}`,
      enableRBAC: true,
      aadProfile: { managed: true, enableAzureRBAC: true, tenantID: c.tenantId },
      apiServerAccessProfile: { enablePrivateCluster: c.privateCluster, disableRunCommand: c.runCommandDisabled },
      disableLocalAccounts: false,
      networkProfile: {
        networkPlugin: "azure",
        serviceCidr: "10.0.0.0/16",
        dnsServiceIP: "10.0.0.10",
        loadBalancerSku: "standard",
      },
    },
  };
}
