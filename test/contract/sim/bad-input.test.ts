import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armClient, rawRequest, type RawResponse } from "./clients.js";
import { runOnCluster, startTestSimulator, type TestSimulator } from "./harness.js";

const DU_PATH = "/apis/api.cluedin.com/v1/namespaces/cluedin/dataupgrades";

describe("bad input gets the answers a real API server, ARM or shell would give, never a crash", () => {
  let t: TestSimulator;
  const kube = (
    path: string,
    options: { method?: string; body?: unknown; contentType?: string; token?: string | null } = {},
  ): Promise<RawResponse> =>
    rawRequest(`${t.sim.kubeServer}${path}`, {
      caCertPem: t.sim.caCertPem,
      ...(options.token === null ? {} : { token: options.token ?? t.sim.token }),
      ...(options.method !== undefined ? { method: options.method } : {}),
      ...(options.body !== undefined
        ? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }
        : {}),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    });
  const status = (
    response: RawResponse,
  ): { code: number; reason: string; message: string; details?: { causes?: { field: string }[] } } =>
    JSON.parse(response.body) as { code: number; reason: string; message: string };
  const du = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    apiVersion: "api.cluedin.com/v1",
    kind: "DataUpgrade",
    metadata: { name },
    spec: { toVersion: "Version450" },
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestSimulator();
  });
  afterAll(() => t.close());

  it("serves discovery, and /version without credentials; everything else needs the token", async () => {
    expect(JSON.parse((await kube("/version", { token: null })).body)).toMatchObject({
      major: "1",
      minor: "30",
      gitVersion: "v1.30.6",
    });
    const groups = JSON.parse((await kube("/apis")).body) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(["apps", "batch", "api.cluedin.com"]));
    const cluedin = JSON.parse((await kube("/apis/api.cluedin.com/v1")).body) as {
      resources: { name: string; kind: string; shortNames?: string[] }[];
    };
    expect(cluedin.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "dataupgrades", kind: "DataUpgrade", shortNames: ["du"] }),
        expect.objectContaining({ name: "dataupgrades/status" }),
      ]),
    );
    const anonymous = await kube("/api/v1/namespaces/cluedin/pods", { token: null });
    expect(anonymous.status).toBe(401);
    expect(status(anonymous)).toMatchObject({ reason: "Unauthorized", code: 401 });
  });

  it("rejects malformed and mismatched manifests with 400 and invalid ones with 422", async () => {
    const malformed = await kube(DU_PATH, { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(status(malformed).message).toContain("json parse error");
    const version = await kube(DU_PATH, { method: "POST", body: { ...du("x"), apiVersion: "api.cluedin.com/v2" } });
    expect(status(version)).toMatchObject({
      code: 400,
      message:
        "the API version in the data (api.cluedin.com/v2) does not match the expected API version (api.cluedin.com/v1)",
    });
    const kindless = await kube(DU_PATH, {
      method: "POST",
      body: { apiVersion: "api.cluedin.com/v1", metadata: { name: "x" } },
    });
    expect(status(kindless).message).toContain("Object 'Kind' is missing");
    const namespace = await kube(DU_PATH, {
      method: "POST",
      body: du("x", { metadata: { name: "x", namespace: "default" } }),
    });
    expect(status(namespace).message).toBe(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
    const invalidName = await kube(DU_PATH, { method: "POST", body: du("Bad_Name") });
    expect(invalidName.status).toBe(422);
    expect(status(invalidName).details?.causes?.[0]?.field).toBe("metadata.name");
    const strict = await kube(`${DU_PATH}?fieldValidation=Strict`, {
      method: "POST",
      body: du("strict", { spec: { toVersion: "Version450", force: true } }),
    });
    expect(status(strict).message).toBe('strict decoding error: unknown field "spec.force"');
    const yaml = await kube(DU_PATH, {
      method: "POST",
      contentType: "application/yaml",
      body: "apiVersion: api.cluedin.com/v1\nkind: DataUpgrade\nmetadata:\n  name: from-yaml\nspec:\n  toVersion: Version450\n",
    });
    expect(yaml.status).toBe(201);
  });

  it("answers unknown resources 404, read-only resources 403 and unsupported verbs 405/415", async () => {
    const unknown = await kube("/api/v1/namespaces/cluedin/widgets");
    expect(status(unknown)).toMatchObject({ code: 404, message: "the server could not find the requested resource" });
    expect((await kube("/apis/nope.example.com/v1/things")).status).toBe(404);
    const pod = await kube("/api/v1/namespaces/cluedin/pods", {
      method: "POST",
      body: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } },
    });
    expect(status(pod)).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(status(pod).message).toContain('cannot create resource "pods" in API group "" in the namespace "cluedin"');
    expect((await kube(DU_PATH, { method: "DELETE" })).status).toBe(405);
    const strategic = await kube(`${DU_PATH}/from-yaml`, {
      method: "PATCH",
      body: { spec: {} },
      contentType: "application/strategic-merge-patch+json",
    });
    expect(strategic.status).toBe(415);
    const exec = await kube("/api/v1/namespaces/cluedin/pods/cluedin-rabbitmq-0/exec?command=ls");
    expect(status(exec)).toMatchObject({ code: 400, message: "Upgrade request required" });
    const tail = await kube("/api/v1/namespaces/cluedin/pods/cluedin-rabbitmq-0/log?tailLines=-1");
    expect(tail.status).toBe(400);
    const watch = await kube("/api/v1/namespaces/cluedin/pods?watch=true&labelSelector=a%20in%20(b");
    expect(watch.status).toBe(400);
  });

  it("patches spec and status, bumps generation, and refuses stale updates with 409", async () => {
    await kube(DU_PATH, { method: "POST", body: du("patch-me") });
    const patched = await kube(`${DU_PATH}/patch-me`, {
      method: "PATCH",
      body: { spec: { toVersion: "Version460" } },
      contentType: "application/merge-patch+json",
    });
    const object = JSON.parse(patched.body) as {
      metadata: { generation: number; resourceVersion: string };
      spec: { toVersion: string };
    };
    expect(object.spec.toVersion).toBe("Version460");
    expect(object.metadata.generation).toBe(2);
    const statusPatch = await kube(`${DU_PATH}/patch-me/status`, {
      method: "PATCH",
      body: [{ op: "add", path: "/status", value: { phase: "Paused" } }],
      contentType: "application/json-patch+json",
    });
    expect(JSON.parse(statusPatch.body)).toMatchObject({ status: { phase: "Paused" }, metadata: { generation: 2 } });
    const stale = await kube(`${DU_PATH}/patch-me`, {
      method: "PUT",
      body: { ...du("patch-me"), metadata: { name: "patch-me", resourceVersion: "1" } },
    });
    expect(status(stale)).toMatchObject({ code: 409, reason: "Conflict" });
    const deleted = await kube(`${DU_PATH}/patch-me`, { method: "DELETE" });
    expect(JSON.parse(deleted.body)).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "patch-me" },
    });
  });

  it("ARM: missing api-version, malformed bodies, writes and missing credentials", async () => {
    const base = `${t.sim.armEndpoint}/subscriptions/${t.sim.subscriptionId}/resourceGroups/${t.sim.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.sim.clusterName}`;
    const arm = (
      path: string,
      options: { method?: string; body?: string; token?: string | null } = {},
    ): Promise<RawResponse> =>
      rawRequest(`${base}${path}`, {
        caCertPem: t.sim.caCertPem,
        ...(options.token === null ? {} : { token: t.sim.token }),
        ...(options.method !== undefined ? { method: options.method } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
    const noVersion = await arm("");
    expect(JSON.parse(noVersion.body)).toEqual({
      error: { code: "MissingApiVersionParameter", message: expect.any(String) },
    });
    const malformed = await arm("/runCommand?api-version=2026-04-01", { method: "POST", body: "{" });
    expect(JSON.parse(malformed.body)).toMatchObject({ error: { code: "InvalidRequestContent" } });
    const write = await arm("?api-version=2026-04-01", { method: "PUT", body: "{}" });
    expect(write.status).toBe(403);
    expect(JSON.parse(write.body)).toMatchObject({ error: { code: "AuthorizationFailed" } });
    const anonymous = await arm("?api-version=2026-04-01", { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain("Bearer");
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: "AuthenticationFailed" } });
    expect((await arm("/frobnicate?api-version=2026-04-01", { method: "POST" })).status).toBe(404);
  });

  it("shell: syntax errors and unsupported constructs exit non-zero with sh's wording", async () => {
    const aks = armClient(t.sim);
    const quote = await runOnCluster(aks, t, "echo 'unterminated");
    expect(quote).toMatchObject({ exitCode: 2, logs: "sh: 1: Syntax error: Unterminated quoted string\n" });
    const substitution = await runOnCluster(aks, t, "echo $(helm list)");
    expect(substitution.exitCode).toBe(2);
    const chained = await runOnCluster(aks, t, "false && echo skipped || echo recovered; echo done");
    expect(chained).toMatchObject({ exitCode: 0, logs: "recovered\ndone\n" });
    const script = await runOnCluster(aks, t, "sh upgrade.sh", {
      files: { "upgrade.sh": "set -e\nNS=cluedin\nhelm list -n $NS -q\nfalse\necho unreachable\n" },
    });
    expect(script).toMatchObject({ exitCode: 1, logs: "cluedin-platform\n" });
  });
});
