import { rfc3339 } from "../core/format.js";
import { uidFor } from "../core/hash.js";
import type { KubeObject } from "../kube/types.js";
import type { ChartVersion } from "./charts.js";
import { helmAnnotations, helmLabels, type ObjectContext } from "./objects/context.js";

/**
 * The kube-prometheus-stack pieces the release pages operate on by hand (2024.07.03, 2024.12.01, 2024.12.02:
 * "Delete existing node exporter daemonsets", "Delete existing prometheus CRDS", "Redeploy prometheus CRDS").
 * Helm installs a chart's `crds/` only on first install and never upgrades them, and the node-exporter 3.x -> 4.x
 * bump changed the DaemonSet's (immutable) selector: hence the procedure.
 */
export const NODE_EXPORTER = "cluedin-prometheus-node-exporter";
export const CRD_GROUP = "monitoring.coreos.com";

/** [plural, kind, first prometheus-operator minor that ships it] (PrometheusAgent v0.64, ScrapeConfig v0.65). */
const CRD_KINDS: readonly (readonly [string, string, number])[] = [
  ["alertmanagerconfigs", "AlertmanagerConfig", 0],
  ["alertmanagers", "Alertmanager", 0],
  ["podmonitors", "PodMonitor", 0],
  ["probes", "Probe", 0],
  ["prometheusagents", "PrometheusAgent", 64],
  ["prometheuses", "Prometheus", 0],
  ["prometheusrules", "PrometheusRule", 0],
  ["scrapeconfigs", "ScrapeConfig", 65],
  ["servicemonitors", "ServiceMonitor", 0],
  ["thanosrulers", "ThanosRuler", 0],
];

/** prometheus-operator releases whose example CRDs the simulated raw.githubusercontent.com serves. */
const OPERATOR_RELEASES = ["v0.58.0", "v0.71.0", "v0.71.2", "v0.79.0", "v0.79.2"];

const minor = (version: string): number => Number(/^v?0\.(\d+)/.exec(version)?.[1] ?? 0);

/** The CRDs a prometheus-operator version ships (`monitoring.coreos.com_<plural>.yaml`). */
export function crdPlurals(operatorVersion: string): string[] {
  return CRD_KINDS.filter(([, , since]) => minor(operatorVersion) >= since).map(([plural]) => plural);
}

/** A CRD as prometheus-operator's example manifest declares it; the version annotation is the real one's. */
export function monitoringCrd(plural: string, operatorVersion: string, createdAt: number): KubeObject | undefined {
  const entry = CRD_KINDS.find(([p, , since]) => p === plural && minor(operatorVersion) >= since);
  if (!entry) return undefined;
  const [, kind] = entry;
  const name = `${plural}.${CRD_GROUP}`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name,
      uid: uidFor(`crd/${name}/${createdAt}`),
      creationTimestamp: rfc3339(createdAt),
      generation: 1,
      annotations: {
        "controller-gen.kubebuilder.io/version": "v0.16.1",
        "operator.prometheus.io/version": operatorVersion.replace(/^v/, ""),
      },
    },
    spec: {
      group: CRD_GROUP,
      names: {
        plural,
        singular: kind.toLowerCase(),
        kind,
        listKind: `${kind}List`,
        categories: ["prometheus-operator"],
      },
      scope: "Namespaced",
      versions: [{ name: kind === "AlertmanagerConfig" ? "v1alpha1" : "v1", served: true, storage: true }],
    },
  };
}

/**
 * `raw.githubusercontent.com/prometheus-operator/prometheus-operator/<version>/example/prometheus-operator-crd/
 * monitoring.coreos.com_<plural>.yaml`, as the pages apply it: the manifest text, or how kubectl fails to read it.
 */
export function fetchCrdManifest(url: string, now: number): { ok: true; text: string } | { ok: false; error: string } {
  const match =
    /^https:\/\/raw\.githubusercontent\.com\/prometheus-operator\/prometheus-operator\/(v[\d.]+)\/example\/prometheus-operator-crd\/monitoring\.coreos\.com_([a-z]+)\.yaml$/.exec(
      url,
    );
  const crd =
    match && OPERATOR_RELEASES.includes(match[1] ?? "")
      ? monitoringCrd(match[2] ?? "", match[1] ?? "", now)
      : undefined;
  if (crd) {
    const { uid: _uid, creationTimestamp: _created, generation: _generation, ...metadata } = crd.metadata;
    return { ok: true, text: JSON.stringify({ ...crd, metadata }) };
  }
  const host = /^https?:\/\/([^/]+)/.exec(url)?.[1];
  if (host === "raw.githubusercontent.com") {
    return { ok: false, error: `error: unable to read URL "${url}", server reported 404 Not Found, status code=404` };
  }
  return { ok: false, error: `error: Get "${url}": dial tcp: lookup ${host ?? url} on 10.0.0.10:53: no such host` };
}

/** The DaemonSet's selector labels for a chart's node-exporter subchart. */
export function nodeExporterSelector(chart: ChartVersion, release: string): Record<string, string> {
  return chart.nodeExporterSelector === "app-release"
    ? { app: "prometheus-node-exporter", release }
    : { "app.kubernetes.io/instance": release, "app.kubernetes.io/name": "prometheus-node-exporter" };
}

/** One pod per node, all ready: the status the DaemonSet controller reports on a healthy three-node pool. */
export function nodeExporterDaemonSet(
  chart: ChartVersion,
  ctx: ObjectContext,
  createdAt: number,
  nodes: number,
): KubeObject {
  const selector = nodeExporterSelector(chart, ctx.releaseName);
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: NODE_EXPORTER,
      namespace: ctx.namespace,
      uid: uidFor(`DaemonSet/${NODE_EXPORTER}/${createdAt}`),
      creationTimestamp: rfc3339(createdAt),
      generation: 1,
      labels: { ...helmLabels(ctx, {}), ...selector },
      annotations: { ...helmAnnotations(ctx), "deprecated.daemonset.template.generation": "1" },
    },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          hostNetwork: true,
          containers: [{ name: "node-exporter", image: "cluedinprod.azurecr.io/prometheus/node-exporter:v1.8.2" }],
        },
      },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
    status: {
      currentNumberScheduled: nodes,
      desiredNumberScheduled: nodes,
      numberAvailable: nodes,
      numberMisscheduled: 0,
      numberReady: nodes,
      observedGeneration: 1,
      updatedNumberScheduled: nodes,
    },
  };
}

/** Go's %#v of the selector, as the API server prints it in a field error. */
function goLabelSelector(labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `"${k}":"${v}"`)
    .join(", ");
  return `v1.LabelSelector{MatchLabels:map[string]string{${pairs}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

export interface MonitoringView {
  /** The DaemonSet's current selector, if it exists. */
  daemonSetSelector?: Record<string, string>;
  /** Installed monitoring CRDs: plural -> operator version annotation. */
  crds: Map<string, string>;
}

/**
 * Why `helm upgrade` to `chart` fails over this monitoring state, with the phase it fails in: `build` (Helm
 * validates the manifest against the API server's schema before it records a revision) or `apply` (the revision is
 * recorded, then the API server refuses the patch). Wording of helm's kube client and the API server as seen in
 * prometheus-community/helm-charts issues #3680 (unknown field in Prometheus.spec) and kubermatic#14669 /
 * linode/apl-core#1161 (DaemonSet spec.selector: field is immutable).
 */
export function upgradeHazard(
  chart: ChartVersion,
  view: MonitoringView,
  release: string,
  namespace: string,
): { phase: "build" | "apply"; message: string } | undefined {
  const wanted = minor(chart.prometheusOperator);
  if (!view.crds.has("prometheuses")) {
    return {
      phase: "build",
      message: `unable to build kubernetes objects from new release manifest: resource mapping not found for name: "cluedin-prometheus" namespace: "${namespace}" from "": no matches for kind "Prometheus" in version "${CRD_GROUP}/v1"\nensure CRDs are installed first`,
    };
  }
  const installed = minor(view.crds.get("prometheuses") ?? "0");
  if (installed < wanted) {
    const unknown =
      installed < 65 ? ["scrapeConfigNamespaceSelector", "scrapeConfigSelector"] : ["automountServiceAccountToken"];
    const causes = unknown.map(
      (field) =>
        `ValidationError(Prometheus.spec): unknown field "${field}" in com.coreos.monitoring.v1.Prometheus.spec`,
    );
    return {
      phase: "build",
      message: `error validating "": error validating data: ${causes.length > 1 ? `[${causes.join(", ")}]` : (causes[0] ?? "")}`,
    };
  }
  const selector = view.daemonSetSelector;
  const target = nodeExporterSelector(chart, release);
  if (selector && JSON.stringify(Object.entries(selector).sort()) !== JSON.stringify(Object.entries(target).sort())) {
    return {
      phase: "apply",
      message: `cannot patch "${NODE_EXPORTER}" with kind DaemonSet: DaemonSet.apps "${NODE_EXPORTER}" is invalid: spec.selector: Invalid value: ${goLabelSelector(target)}: field is immutable`,
    };
  }
  return undefined;
}
