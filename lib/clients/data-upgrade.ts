/**
 * The `DataUpgrade` custom resource (CRD `dataupgrades.api.cluedin.com`) that asks the cluedin-controller to run a
 * data upgrade, built exactly like the runbook's manifest, Helm ownership labels and annotations included.
 */
import { z } from "zod";
import type { DataUpgradeState } from "./types.js";

export const dataUpgradeResource = { group: "api.cluedin.com", version: "v1", plural: "dataupgrades" } as const;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dataUpgradeRequestSchema = z.object({
  name: z.string().max(63).regex(dnsLabel),
  toVersion: z.string().regex(/^Version\d+$/),
  chartVersion: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/),
  releaseName: z.string().max(53).regex(dnsLabel),
});

export type DataUpgradeRequest = z.infer<typeof dataUpgradeRequestSchema>;

export function dataUpgradeManifest(request: DataUpgradeRequest, namespace: string): Record<string, unknown> {
  const { name, toVersion, chartVersion, releaseName } = dataUpgradeRequestSchema.parse(request);
  return {
    apiVersion: `${dataUpgradeResource.group}/${dataUpgradeResource.version}`,
    kind: "DataUpgrade",
    metadata: {
      annotations: {
        "meta.helm.sh/release-name": releaseName,
        "meta.helm.sh/release-namespace": namespace,
      },
      labels: {
        app: "cluedin",
        "app.kubernetes.io/instance": releaseName,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": "application",
        "helm.sh/chart": `application-${chartVersion}`,
        release: releaseName,
      },
      name,
      namespace,
    },
    spec: { toVersion },
  };
}

const dataUpgradeObjectSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({ toVersion: z.string() }).partial().optional(),
  status: z.object({ phase: z.string(), message: z.string() }).partial().nullish(),
});

/** Reads a DataUpgrade object as returned by the API server. */
export function toDataUpgradeState(object: unknown, created: boolean): DataUpgradeState {
  const parsed = dataUpgradeObjectSchema.parse(object);
  const state: DataUpgradeState = { name: parsed.metadata.name, toVersion: parsed.spec?.toVersion ?? "", created };
  if (parsed.status?.phase !== undefined) state.phase = parsed.status.phase;
  if (parsed.status?.message !== undefined) state.message = parsed.status.message;
  return state;
}
