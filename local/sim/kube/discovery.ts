import { RESOURCES, type ResourceDef } from "./resources.js";

function groupVersions(): Map<string, ResourceDef[]> {
  const byGroupVersion = new Map<string, ResourceDef[]>();
  for (const def of RESOURCES) {
    if (def.group === "") continue;
    const key = `${def.group}/${def.version}`;
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), def]);
  }
  return byGroupVersion;
}

function resourceList(groupVersion: string, defs: ResourceDef[]): unknown {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: defs.flatMap((def) => [
      {
        name: def.plural,
        singularName: def.singular,
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: def.verbs,
        ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories.length ? { categories: def.categories } : {}),
      },
      ...def.subresources.map((sub) => ({
        name: `${def.plural}/${sub.name}`,
        singularName: "",
        namespaced: def.namespaced,
        kind: sub.name === "log" || sub.name === "exec" ? "PodExecOptions" : def.kind,
        verbs: sub.verbs,
      })),
    ]),
  };
}

/** Legacy discovery documents (kubectl asks for aggregated discovery first and accepts these). */
export function discoveryDocument(path: string, kubernetesVersion: string): unknown {
  const [major = "1", minor = "30"] = kubernetesVersion.split(".");
  if (path === "/version") {
    return {
      major,
      minor,
      gitVersion: `v${kubernetesVersion}`,
      gitCommit: "6f3c6a7c0c25c4c5fd7c0a4ee6e9e1f3bd0c8a1e",
      gitTreeState: "clean",
      buildDate: "2024-10-22T20:28:14Z",
      goVersion: "go1.22.8",
      compiler: "gc",
      platform: "linux/amd64",
    };
  }
  if (path === "/api") {
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:443" }],
    };
  }
  if (path === "/api/v1")
    return resourceList(
      "v1",
      RESOURCES.filter((r) => r.group === ""),
    );
  const versions = groupVersions();
  if (path === "/apis") {
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...versions.keys()].map((groupVersion) => {
        const [name = "", version = ""] = groupVersion.split("/");
        return { name, versions: [{ groupVersion, version }], preferredVersion: { groupVersion, version } };
      }),
    };
  }
  const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (groupVersion) {
    const defs = versions.get(`${groupVersion[1]}/${groupVersion[2]}`);
    return defs ? resourceList(`${groupVersion[1]}/${groupVersion[2]}`, defs) : undefined;
  }
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const entry = [...versions.keys()].find((gv) => gv.startsWith(`${group[1]}/`));
    if (!entry) return undefined;
    const version = entry.split("/")[1] ?? "";
    return {
      kind: "APIGroup",
      apiVersion: "v1",
      name: group[1],
      versions: [{ groupVersion: entry, version }],
      preferredVersion: { groupVersion: entry, version },
    };
  }
  return undefined;
}
