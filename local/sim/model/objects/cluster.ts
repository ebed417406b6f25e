import { rfc3339 } from "../../core/format.js";
import { smallInt, uidFor } from "../../core/hash.js";
import type { KubeObject } from "../../kube/types.js";
import { cpuText, NODE_SHAPE } from "../nodes.js";
import { RELEASE_LABELS, type WorkloadDef } from "../workloads.js";
import { helmAnnotations, helmLabels, type ObjectContext } from "./context.js";

export function serviceObjects(defs: readonly WorkloadDef[], ctx: ObjectContext, createdAt: number): KubeObject[] {
  return defs.map((def) => {
    const loadBalancer = def.serviceType === "LoadBalancer";
    const ports =
      def.name === "cluedin-rabbitmq"
        ? [
            { name: "amqp", port: 5672, targetPort: 5672, protocol: "TCP" },
            { name: "http-stats", port: 15672, targetPort: 15672, protocol: "TCP" },
          ]
        : [
            {
              name: "http",
              port: def.port,
              targetPort: def.port,
              protocol: "TCP",
              ...(loadBalancer ? { nodePort: 30080 + smallInt(def.name, 100) } : {}),
            },
          ];
    if (loadBalancer) ports.push({ name: "https", port: 443, targetPort: 443, protocol: "TCP", nodePort: 30443 });
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: def.name,
        namespace: ctx.namespace,
        uid: uidFor(`Service/${def.name}`),
        creationTimestamp: rfc3339(createdAt),
        labels: helmLabels(ctx, def),
        annotations: helmAnnotations(ctx),
      },
      spec: {
        type: def.serviceType ?? "ClusterIP",
        clusterIP: `10.0.${smallInt(def.name, 250)}.${1 + smallInt(`${def.name}/ip`, 250)}`,
        ports,
        selector: { ...def.labels, "app.kubernetes.io/instance": RELEASE_LABELS["app.kubernetes.io/instance"] },
        sessionAffinity: "None",
      },
      status: { loadBalancer: loadBalancer ? { ingress: [{ ip: "20.31.118.42" }] } : {} },
    };
  });
}

export function nodeObjects(names: readonly string[], kubernetesVersion: string, createdAt: number): KubeObject[] {
  return names.map((name, index) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: uidFor(`Node/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: {
        agentpool: "nodepool1",
        "kubernetes.azure.com/role": "agent",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": NODE_SHAPE.instanceType,
      },
    },
    spec: { podCIDR: `10.244.${index}.0/24`, providerID: `azure:///subscriptions/sim/virtualMachineScaleSets/${name}` },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" },
        { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure" },
        { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID" },
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      addresses: [
        { type: "InternalIP", address: `10.224.0.${4 + index}` },
        { type: "Hostname", address: name },
      ],
      // model/nodes.ts; ephemeral-storage and images are written by the world from the node's image store.
      capacity: {
        cpu: cpuText(NODE_SHAPE.capacity.cpu),
        memory: `${NODE_SHAPE.capacity.memory / 1024}Ki`,
        pods: String(NODE_SHAPE.capacity.pods),
      },
      allocatable: {
        cpu: cpuText(NODE_SHAPE.allocatable.cpu),
        memory: `${NODE_SHAPE.allocatable.memory / 1024}Ki`,
        pods: String(NODE_SHAPE.allocatable.pods),
      },
      nodeInfo: {
        kubeletVersion: `v${kubernetesVersion}`,
        kubeProxyVersion: `v${kubernetesVersion}`,
        osImage: "Ubuntu 22.04.5 LTS",
        kernelVersion: "5.15.0-1074-azure",
        containerRuntimeVersion: "containerd://1.7.22-1",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  }));
}

export function namespaceObjects(names: readonly string[], createdAt: number): KubeObject[] {
  return names.map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      uid: uidFor(`Namespace/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: { "kubernetes.io/metadata.name": name },
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  }));
}

export function opaqueSecret(
  name: string,
  data: Record<string, string>,
  ctx: ObjectContext,
  createdAt: number,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name,
      namespace: ctx.namespace,
      uid: uidFor(`Secret/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: helmLabels(ctx, {}),
      annotations: helmAnnotations(ctx),
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

export function dataUpgradeCrd(createdAt: number): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "dataupgrades.api.cluedin.com",
      uid: uidFor("crd/dataupgrades"),
      creationTimestamp: rfc3339(createdAt),
      generation: 1,
    },
    spec: {
      group: "api.cluedin.com",
      names: {
        plural: "dataupgrades",
        singular: "dataupgrade",
        kind: "DataUpgrade",
        listKind: "DataUpgradeList",
        shortNames: ["du"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "To Version", type: "string", jsonPath: ".spec.toVersion" },
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", required: ["toVersion"], properties: { toVersion: { type: "string" } } },
                status: { type: "object", properties: { phase: { type: "string" }, message: { type: "string" } } },
              },
            },
          },
        },
      ],
    },
    status: {
      acceptedNames: { plural: "dataupgrades", kind: "DataUpgrade", shortNames: ["du"] },
      storedVersions: ["v1"],
    },
  };
}
