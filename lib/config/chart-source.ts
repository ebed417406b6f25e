/**
 * Where a cluster's `helm` finds the `cluedin-platform` chart: CluedIn's documented repository by default, or a
 * private HTTPS mirror or an OCI registry for clusters without internet access. The upgrade names the source on
 * each command (`--repo <url>`, `oci://…`) and never edits the repository configuration of the machine it runs on.
 */

/** CluedIn.Documentation upgrade-guide/020-prepare-for-the-upgrade.md, "Configure Helm". */
export const DOCUMENTED_CHART_REPOSITORY = "https://cluedin-io.github.io/Charts/";

/** The chart's name in CluedIn's repository (the pages' `cluedin/cluedin-platform`). */
export const CLUEDIN_CHART = "cluedin-platform";

/** `repo`: a chart repository (an `index.yaml` under an https URL); `oci`: a registry path that holds the chart. */
export type ChartSource = { kind: "repo"; url: string } | { kind: "oci"; url: string };

export type ChartSourceResult = { ok: true; source: ChartSource } | { ok: false; reason: string };

const OCI_PATH = /^(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** A chart source from its URL, with the reason when it cannot be one. */
export function parseChartSource(text: string): ChartSourceResult {
  const refuse = (reason: string): ChartSourceResult => ({ ok: false, reason });
  if (text !== text.trim() || /[\s\p{Cc}]/u.test(text)) return refuse("holds spaces or control characters");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse(`not a URL: ${text}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "oci:")
    return refuse(`${url.protocol}// is not allowed: use https:// (a chart repository) or oci:// (a registry)`);
  // Helm would keep a URL's credentials in the command line, the run's history and Run Command's records.
  if (url.username || url.password)
    return refuse("holds credentials (user:password@): give the cluster read access to the mirror instead");
  if (url.search || url.hash)
    return refuse("holds a query or fragment (a SAS token is a credential): name the repository alone");
  if (!url.hostname) return refuse("names no host");
  if (url.protocol === "https:") return { ok: true, source: { kind: "repo", url: text } };
  const path = url.pathname.replace(/\/+$/, "");
  if (!OCI_PATH.test(path)) return refuse(`the registry path ${path} is not an OCI repository path`);
  if (path.split("/").at(-1) === CLUEDIN_CHART)
    return refuse(`name the registry path that holds ${CLUEDIN_CHART}, without the chart itself`);
  return { ok: true, source: { kind: "oci", url: `oci://${url.host.toLowerCase()}${path}` } };
}

/** How a plan or an e-mail names the source. */
export const describeChartSource = (source: ChartSource): string =>
  source.kind === "repo" ? `chart repository ${source.url}` : `OCI registry ${source.url}`;
