import https from "node:https";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { aksAadServerScope } from "../../../lib/clients/aad.js";
import {
  aadAuthProviderName,
  isAadUser,
  kubeConfigFromAks,
  materializeKubeconfig,
} from "../../../lib/clients/kubeconfig.js";

const caPem = "-----BEGIN CERTIFICATE-----\nCLUSTERCA\n-----END CERTIFICATE-----\n";
const extraPem = "-----BEGIN CERTIFICATE-----\nEXTRACA\n-----END CERTIFICATE-----\n";
const caData = Buffer.from(caPem).toString("base64");

/** What `listClusterUserCredentials` returns for an AAD cluster (kubelogin exec format). */
const aadKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: aks1
  cluster:
    server: https://aks1-dns.hcp.westeurope.azmk8s.io:443
    certificate-authority-data: ${caData}
contexts:
- name: aks1
  context:
    cluster: aks1
    user: clusterUser_rg_aks1
current-context: aks1
users:
- name: clusterUser_rg_aks1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --login, devicecode]
      interactiveMode: IfAvailable
`;

const localAccountKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: aks1
  cluster:
    server: https://aks1:443
    certificate-authority-data: ${caData}
contexts:
- name: aks1
  context: {cluster: aks1, user: admin, namespace: cluedin}
current-context: aks1
users:
- name: admin
  user: {token: static-token}
`;

class RecordingCredential implements TokenCredential {
  scopes: string[] = [];
  getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return Promise.resolve({ token: "aad-token", expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

async function authorizationOf(kc: ReturnType<typeof kubeConfigFromAks>): Promise<unknown> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return (opts.headers as Record<string, unknown> | undefined)?.Authorization;
}

describe("kubeConfigFromAks", () => {
  it("replaces the kubelogin user with our auth provider, which asks the credential for the AKS AAD scope", async () => {
    const credential = new RecordingCredential();
    const kc = kubeConfigFromAks(aadKubeconfig, { credential });
    expect(kc.getCurrentCluster()?.server).toBe("https://aks1-dns.hcp.westeurope.azmk8s.io:443");
    expect(kc.getCurrentUser()).toMatchObject({ authProvider: { name: aadAuthProviderName } });
    expect(kc.getCurrentUser()?.exec).toBeUndefined();
    expect(await authorizationOf(kc)).toBe("Bearer aad-token");
    expect(credential.scopes).toEqual([aksAadServerScope]);
  });

  it("keeps a local account's static token", async () => {
    const credential = new RecordingCredential();
    const kc = kubeConfigFromAks(localAccountKubeconfig, { credential });
    expect(await authorizationOf(kc)).toBe("Bearer static-token");
    expect(credential.scopes).toEqual([]);
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("cluedin");
  });

  it("trusts the cluster CA and the extra CA", () => {
    const kc = kubeConfigFromAks(aadKubeconfig, { credential: new RecordingCredential(), extraCaPem: extraPem });
    const pem = Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString("utf8");
    expect(pem).toContain("CLUSTERCA");
    expect(pem).toContain("EXTRACA");
  });

  it("refuses a kubeconfig without a context", () => {
    expect(() =>
      kubeConfigFromAks("apiVersion: v1\nkind: Config\n", { credential: new RecordingCredential() }),
    ).toThrow();
  });
});

describe("isAadUser", () => {
  it.each([
    [{ name: "u", exec: { command: "kubelogin" } }, true],
    [{ name: "u", authProvider: { name: "azure" } }, true],
    [{ name: "u", token: "t" }, false],
    [{ name: "u", certData: "c", keyData: "k" }, false],
  ])("%j -> %s", (user, expected) => {
    expect(isAadUser(user)).toBe(expected);
  });
});

describe("materializeKubeconfig", () => {
  it("writes server, CA and the token the KubeConfig would send now", async () => {
    const kc = kubeConfigFromAks(aadKubeconfig, { credential: new RecordingCredential() });
    const written = parse(await materializeKubeconfig(kc)) as {
      clusters: { cluster: Record<string, unknown> }[];
      users: { user: Record<string, unknown> }[];
      "current-context": string;
    };
    expect(written.clusters[0]?.cluster).toEqual({
      server: "https://aks1-dns.hcp.westeurope.azmk8s.io:443",
      "certificate-authority-data": caData,
    });
    expect(written.users[0]?.user).toEqual({ token: "aad-token" });
    expect(written["current-context"]).toBe("target");
  });
});
