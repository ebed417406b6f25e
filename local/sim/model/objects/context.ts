import { RELEASE_LABELS } from "../workloads.js";

/** What every object built from the model needs: where it lives, which release owns it, and the present time. */
export interface ObjectContext {
  namespace: string;
  releaseName: string;
  chartVersion: string;
  now: number;
}

export const helmAnnotations = (ctx: ObjectContext): Record<string, string> => ({
  "meta.helm.sh/release-name": ctx.releaseName,
  "meta.helm.sh/release-namespace": ctx.namespace,
});

export const helmLabels = (ctx: ObjectContext, def: { labels?: Record<string, string> }): Record<string, string> => ({
  ...(def.labels ?? {}),
  ...RELEASE_LABELS,
  "app.kubernetes.io/managed-by": "Helm",
  "helm.sh/chart": `cluedin-platform-${ctx.chartVersion}`,
});
