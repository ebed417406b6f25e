import { parse, stringify } from "yaml";
import { hexId } from "../core/hash.js";
import { CHART_NAME, CHARTS, latestChart, type ChartVersion } from "../model/charts.js";

/**
 * The documented CluedIn chart repository (CluedIn.Documentation upgrade-guide/020-prepare-for-the-upgrade.md,
 * "Configure Helm": `helm repo add https://cluedin-io.github.io/Charts`). Helm appends `/index.yaml` to whatever
 * URL it is given, so the URL with and without the trailing slash serve the same index.
 */
export const REPO_URL = "https://cluedin-io.github.io/Charts/";
/** The name the release pages use in `cluedin/cluedin-platform`. */
export const REPO_NAME = "cluedin";

/** Where Helm 3 keeps repositories for root (`$HELM_REPOSITORY_CONFIG`, default `~/.config/helm/repositories.yaml`). */
export const REPOSITORIES_FILE = "/root/.config/helm/repositories.yaml";

/** AKS's cluster DNS (kube-dns service IP of the default service CIDR), which the Run Command pod resolves through. */
const CLUSTER_DNS = "10.0.0.10:53";

export interface RepoEntry {
  name: string;
  url: string;
}

export type Located = { ok: true; chart: ChartVersion; pulled?: string } | { ok: false; message: string };

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** Whether `url` serves the CluedIn chart index. */
export function servesCluedInIndex(url: string): boolean {
  const wanted = trimSlash(url);
  return wanted === trimSlash(REPO_URL);
}

/** DNS failure as Go's resolver words it inside Helm's getter error. */
function noSuchHost(verb: "Get" | "Head", url: string): string {
  const host = new URL(url).hostname;
  return `${verb} "${url}": dial tcp: lookup ${host} on ${CLUSTER_DNS}: no such host`;
}

/**
 * Why Helm cannot read `url`'s index, or undefined when it can. Wording of helm/helm pkg/repo/chartrepo.go
 * (`looks like %q is not a valid chart repository or cannot be reached: %s`) and pkg/getter ("could not find
 * protocol handler for: ").
 */
export function unreachableRepo(url: string): string | undefined {
  if (servesCluedInIndex(url)) return undefined;
  if (!/^https?:\/\/[^/]+/.test(url)) return `could not find protocol handler for: ${url.split(":")[0] ?? ""}`;
  return `looks like "${url}" is not a valid chart repository or cannot be reached: ${noSuchHost("Get", `${trimSlash(url)}/index.yaml`)}`;
}

export function readRepositories(files: Map<string, string>): RepoEntry[] {
  const text = files.get(REPOSITORIES_FILE);
  if (text === undefined) return [];
  const parsed = parse(text) as { repositories?: { name?: unknown; url?: unknown }[] } | null;
  return (parsed?.repositories ?? []).flatMap((r) =>
    typeof r.name === "string" && typeof r.url === "string" ? [{ name: r.name, url: r.url }] : [],
  );
}

/** Writes the file in Helm's repo.File shape (pkg/repo/repo.go), so `cat` of it looks like the real one. */
export function writeRepositories(files: Map<string, string>, entries: readonly RepoEntry[]): void {
  files.set(
    REPOSITORIES_FILE,
    stringify({
      apiVersion: "",
      generated: "0001-01-01T00:00:00Z",
      repositories: entries.map((e) => ({
        caFile: "",
        certFile: "",
        insecure_skip_tls_verify: false,
        keyFile: "",
        name: e.name,
        pass_credentials_all: false,
        password: "",
        url: e.url,
        username: "",
      })),
    }),
  );
}

function findVersion(version: string | undefined): ChartVersion | undefined {
  if (version === undefined) return latestChart();
  const wanted = version.replace(/^v/, "");
  return CHARTS.find((c) => c.version === wanted);
}

/** `--repo <url> <chart>` (pkg/repo/chartrepo.go FindChartInAuthAndTLSAndPassRepoURL). */
function fromRepoUrl(url: string, name: string, version: string | undefined): Located {
  const unreachable = unreachableRepo(url);
  if (unreachable !== undefined) return { ok: false, message: unreachable };
  const chart = name === CHART_NAME ? findVersion(version) : undefined;
  if (chart) return { ok: true, chart };
  const what = `chart "${name}"${version !== undefined ? ` version "${version}"` : ""}`;
  return { ok: false, message: `${what} not found in ${url} repository` };
}

/** `<repo>/<chart>` through the repositories file (pkg/downloader/chart_downloader.go ResolveChartVersion). */
function fromRepoName(repos: readonly RepoEntry[], repo: string, name: string, version: string | undefined): Located {
  const entry = repos.find((r) => r.name === repo);
  if (!entry) return { ok: false, message: `repo ${repo} not found` };
  if (name !== CHART_NAME) {
    return {
      ok: false,
      message: `chart "${name}" not found in ${repo} index. (try 'helm repo update'): no chart name found`,
    };
  }
  const chart = findVersion(version);
  if (chart) return { ok: true, chart };
  return {
    ok: false,
    message: `chart "${name}" matching ${version ?? ""} not found in ${repo} index. (try 'helm repo update'): no chart version found for ${name}-${version ?? ""}`,
  };
}

/**
 * `oci://<registry>/<path>/cluedin-platform`: only registries a scenario declares as a mirror answer (Helm's
 * registry client: a lookup failure on HEAD of the manifest, or `<ref>:<tag>: not found`); a pull prints
 * `Pulled:` and `Digest:` on stderr as `helm upgrade` does.
 */
function fromOci(ref: string, version: string | undefined, mirrors: readonly string[]): Located {
  const bare = ref.slice("oci://".length);
  const slash = bare.indexOf("/");
  const host = slash === -1 ? bare : bare.slice(0, slash);
  const path = slash === -1 ? "" : bare.slice(slash + 1);
  const tag = version ?? latestChart().version;
  if (!mirrors.some((m) => trimSlash(m) === trimSlash(ref))) {
    return {
      ok: false,
      message: `failed to do request: ${noSuchHost("Head", `https://${host}/v2/${path}/manifests/${tag}`)}`,
    };
  }
  const chart = path.split("/").at(-1) === CHART_NAME ? findVersion(version) : undefined;
  if (!chart) return { ok: false, message: `${bare}:${tag}: not found` };
  return {
    ok: true,
    chart,
    pulled: `Pulled: ${bare}:${chart.version}\nDigest: sha256:${hexId(`${bare}:${chart.version}`, 64)}\n`,
  };
}

/** Helm's ChartPathOptions.LocateChart for the three ways of naming the CluedIn chart. */
export function locateChart(
  ref: string,
  options: { repo?: string; version?: string },
  context: { repos: readonly RepoEntry[]; mirrors: readonly string[] },
): Located {
  if (ref.startsWith("oci://")) return fromOci(ref, options.version, context.mirrors);
  if (options.repo !== undefined) return fromRepoUrl(options.repo, ref, options.version);
  const slash = ref.indexOf("/");
  if (slash === -1 || ref.startsWith(".") || ref.startsWith("/")) {
    return ref.startsWith(".") || ref.startsWith("/")
      ? { ok: false, message: `path "${ref}" not found` }
      : { ok: false, message: `non-absolute URLs should be in form of repo_name/path_to_chart, got: ${ref}` };
  }
  return fromRepoName(context.repos, ref.slice(0, slash), ref.slice(slash + 1), options.version);
}
