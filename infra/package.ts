/**
 * Builds the deployment package Azure runs (`npm run package`; azd runs it before each deploy): the app bundled by
 * esbuild into `dist/main.js` with its production dependencies, `host.json`, a production `package.json` and
 * `config/`. What the app loads on first use (the Azure and Kubernetes SDKs, lib/lazily.ts) is split into
 * `dist/chunks/`, so a cold start neither parses nor runs it. Which repository files may ship is decided by `.funcignore`; the local runtime, the simulator, tests,
 * benchmarks and tooling cannot reach the bundle, and the build fails if one of them ever does.
 *
 * host.json is written, not copied: its Durable storage provider is the one the infrastructure wired
 * (`DURABLE_STORAGE_PROVIDER`, see STORAGE_PROVIDERS) and its `defaultVersion` is ORCHESTRATION_VERSION.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { ORCHESTRATION_VERSION } from "../lib/workflow/version.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGE_DIR = path.join(repoRoot, "dist", "deploy");
/** Where the bundle sits inside the package; the package.json `main` Azure's worker loads. */
export const BUNDLE_PATH = "dist/main.js";

/** Provided to the app by Azure's Node worker at run time (REFERENCE §2), so it can never be bundled. */
const WORKER_PROVIDED = ["@azure/functions-core"];
/** The bundle is ESM while many dependencies are CommonJS and call require(): give them Node's own. */
const REQUIRE_SHIM = [
  `import { createRequire as __createRequire } from "node:module";`,
  `const require = __createRequire(import.meta.url);`,
].join(" ");
/** Produced or installed, never copied: the bundle stands in for both. */
const REPLACED_BY_BUNDLE = new Set([".git", "dist", "node_modules"]);
/** Repository trees that exist for development only; a bundle input from one of them fails the build. */
const DEV_ONLY_TREES = ["local/", "test/", "bench/", "scripts/", "infra/"];

/**
 * The Durable Functions storage providers infra/main.bicep can wire (its `durableStorageProvider` parameter) and the
 * host.json `extensions.durableTask.storageProvider` each needs. host.json holds one provider, so the package carries
 * the one the infrastructure chose. It is not overridden with an `AzureFunctionsJobHost__...` app setting because the
 * platform scales Durable Functions from the host.json file itself: the Functions host sends the file's durableTask
 * section to the scale controller (Azure/azure-functions-host, src/WebJobs.Script.WebHost/Management/
 * FunctionsSyncManager.cs, ReadDurableTaskConfig), where app setting overrides are not applied.
 */
export const STORAGE_PROVIDERS = {
  // Durable Task Scheduler: type and connection setting as documented (MicrosoftDocs/azure-docs, articles/
  // azure-functions/durable/durable-task-scheduler/quickstart-durable-task-scheduler.md; Azure-Samples/
  // Durable-Task-Scheduler, samples/durable-functions/typescript/HelloCities/host.json). infra/modules/functionapp.bicep
  // sets the setting to `Endpoint=...;Authentication=ManagedIdentity;ClientID=...`.
  DurableTaskScheduler: { type: "azureManaged", connectionStringName: "DURABLE_TASK_SCHEDULER_CONNECTION_STRING" },
  // Azure Storage: no connection name, so the provider uses AzureWebJobsStorage, reached by identity
  // (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/
  // AzureStorageDurabilityProviderFactory.cs: `ConnectionName ?? ConnectionStringNames.Storage`). No
  // `connectionStringName` may linger here: for this provider it is the obsolete alias of `connectionName`
  // (Options/AzureStorageOptions.cs), so the scheduler's setting would be read as a storage connection.
  AzureStorage: { type: "AzureStorage" },
} as const;
export type StorageProviderName = keyof typeof STORAGE_PROVIDERS;
export const DEFAULT_STORAGE_PROVIDER: StorageProviderName = "DurableTaskScheduler";
/** The azd environment variable both `azd provision` (main.parameters.json) and the prepackage hook read. */
export const STORAGE_PROVIDER_VARIABLE = "DURABLE_STORAGE_PROVIDER";

const isStorageProvider = (value: string): value is StorageProviderName => Object.hasOwn(STORAGE_PROVIDERS, value);

/**
 * The provider to package for: `DURABLE_STORAGE_PROVIDER` as azd injects it into its hooks (Azure/azure-dev,
 * cli/azd/docs/environment-with-hooks.md; main.bicep writes it back as an output, so it is set after the first
 * provision), else the default. An unknown value fails the build rather than shipping a provider nothing was made for.
 */
export function storageProviderFrom(env: Readonly<Record<string, string | undefined>>): StorageProviderName {
  const value = env[STORAGE_PROVIDER_VARIABLE]?.trim() ?? "";
  if (value === "") return DEFAULT_STORAGE_PROVIDER;
  if (!isStorageProvider(value))
    throw new Error(
      `${STORAGE_PROVIDER_VARIABLE}=${value}: expected one of ${Object.keys(STORAGE_PROVIDERS).join(", ")}`,
    );
  return value;
}

/** The repository's host.json with the chosen storage provider and ORCHESTRATION_VERSION as `defaultVersion`. */
export function packagedHostJson(repoHost: unknown, provider: StorageProviderName): Record<string, unknown> {
  const host = structuredClone(repoHost) as { extensions?: { durableTask?: Record<string, unknown> } } | null;
  const durableTask = host?.extensions?.durableTask;
  if (host === null || typeof durableTask !== "object" || durableTask === null)
    throw new Error("host.json has no extensions.durableTask section");
  durableTask.storageProvider = { ...STORAGE_PROVIDERS[provider] };
  durableTask.defaultVersion = ORCHESTRATION_VERSION;
  return host;
}

/** Writes the packaged host.json for `provider` to `target`. */
export async function writePackagedHostJson(target: string, provider: StorageProviderName): Promise<void> {
  const repoHost: unknown = JSON.parse(await readFile(path.join(repoRoot, "host.json"), "utf8"));
  await writeFile(target, `${JSON.stringify(packagedHostJson(repoHost, provider), null, 2)}\n`);
}

export interface IgnoreRule {
  negate: boolean;
  dirOnly: boolean;
  pattern: RegExp;
}

function globToRegExp(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i] ?? "";
    if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      out += ".*";
      i += 1;
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else out += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return out;
}

/** gitignore rules: `!` re-includes, a trailing `/` matches directories only, a pattern with a `/` is anchored. */
export function parseIgnoreRules(text: string): IgnoreRule[] {
  return text.split(/\r?\n/).flatMap((raw) => {
    const line = raw.trimEnd();
    if (line === "" || line.startsWith("#")) return [];
    const negate = line.startsWith("!");
    let body = negate ? line.slice(1) : line;
    const dirOnly = body.endsWith("/");
    if (dirOnly) body = body.slice(0, -1);
    const anchored = body.includes("/");
    const glob = globToRegExp(body.replace(/^\//, ""));
    return [{ negate, dirOnly, pattern: new RegExp(anchored ? `^${glob}$` : `(?:^|/)${glob}$`) }];
  });
}

function excludedByRules(rules: readonly IgnoreRule[], relPath: string, isDir: boolean): boolean {
  let excluded = false;
  for (const rule of rules) if ((!rule.dirOnly || isDir) && rule.pattern.test(relPath)) excluded = !rule.negate;
  return excluded;
}

/** gitignore's verdict: the last matching rule decides, and nothing under an excluded directory comes back. */
export function isExcluded(rules: readonly IgnoreRule[], relPath: string, isDir: boolean): boolean {
  const parts = relPath.split("/");
  for (let depth = 1; depth < parts.length; depth += 1)
    if (excludedByRules(rules, parts.slice(0, depth).join("/"), true)) return true;
  return excludedByRules(rules, relPath, isDir);
}

export async function readFuncignore(root = repoRoot): Promise<IgnoreRule[]> {
  return parseIgnoreRules(await readFile(path.join(root, ".funcignore"), "utf8"));
}

/** Repository files that ship as they are, relative to `root` with `/` separators, sorted. */
export async function shippedRepositoryFiles(root = repoRoot): Promise<string[]> {
  const rules = await readFuncignore(root);
  const found: string[] = [];
  const walk = async (relDir: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, relDir), { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (relDir === "" && REPLACED_BY_BUNDLE.has(entry.name)) continue;
      if (entry.isDirectory()) {
        if (!isExcluded(rules, rel, true)) await walk(rel);
      } else if (entry.isFile() && !isExcluded(rules, rel, false)) found.push(rel);
    }
  };
  await walk("");
  return found.sort();
}

interface RepoManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  private?: boolean;
  type?: string;
  main?: string;
  engines?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** What Azure needs of package.json: the entry point and module type. Dependencies are in the bundle. */
export function productionManifest(repo: RepoManifest): Record<string, unknown> {
  if (repo.main !== BUNDLE_PATH)
    throw new Error(`package.json main is ${repo.main}; the package serves ${BUNDLE_PATH}`);
  const { name, version, description, license, private: isPrivate, type, main, engines } = repo;
  return { name, version, description, license, private: isPrivate, type, main, engines };
}

/** Bundle inputs that belong to development only: dev-only repository trees and devDependencies. */
export function devOnlyInputs(metafile: Metafile, devDependencies: readonly string[]): string[] {
  return Object.keys(metafile.inputs).filter(
    (input) =>
      DEV_ONLY_TREES.some((tree) => input.startsWith(tree)) ||
      devDependencies.some((dep) => input.startsWith(`node_modules/${dep}/`)),
  );
}

/** Bundles main.ts into `<outDir>/dist/main.js`, and what it imports with `import()` into `<outDir>/dist/chunks/`. */
export async function bundleApp(outDir: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: { [path.basename(BUNDLE_PATH, ".js")]: "main.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outdir: path.join(outDir, path.dirname(BUNDLE_PATH)),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    external: WORKER_PROVIDED,
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile;
}

export async function listFiles(dir: string): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const full = path.join(entry.parentPath, entry.name);
        return { path: path.relative(dir, full).split(path.sep).join("/"), bytes: (await stat(full)).size };
      }),
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export interface PackageResult {
  dir: string;
  /** The Durable storage provider host.json was written for. */
  storageProvider: StorageProviderName;
  files: { path: string; bytes: number }[];
  /** Repository files and npm packages that went into the bundle. */
  bundleInputs: string[];
}

export async function buildPackage(
  outDir = PACKAGE_DIR,
  storageProvider: StorageProviderName = storageProviderFrom(process.env),
): Promise<PackageResult> {
  const rules = await readFuncignore();
  if (isExcluded(rules, BUNDLE_PATH, false)) throw new Error(`.funcignore leaves out the bundle, ${BUNDLE_PATH}`);
  const repo = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as RepoManifest;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const file of await shippedRepositoryFiles()) {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    if (file === "package.json") await writeFile(target, `${JSON.stringify(productionManifest(repo), null, 2)}\n`);
    else if (file === "host.json") await writePackagedHostJson(target, storageProvider);
    else await copyFile(path.join(repoRoot, file), target);
  }
  const metafile = await bundleApp(outDir);
  const leaked = devOnlyInputs(metafile, Object.keys(repo.devDependencies ?? {}));
  if (leaked.length > 0) throw new Error(`development-only code reached the bundle: ${leaked.slice(0, 5).join(", ")}`);
  const files = await listFiles(outDir);
  const dropped = files.filter((f) => isExcluded(rules, f.path, false));
  if (dropped.length > 0)
    throw new Error(`.funcignore leaves out bundle files: ${dropped.map((f) => f.path).join(", ")}`);
  return { dir: outDir, storageProvider, files, bundleInputs: Object.keys(metafile.inputs) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const result = await buildPackage(process.argv[2] ? path.resolve(process.argv[2]) : PACKAGE_DIR);
  const total = result.files.reduce((sum, f) => sum + f.bytes, 0);
  for (const file of result.files) console.log(`${String(file.bytes).padStart(10)}  ${file.path}`);
  console.log(`${result.files.length} files, ${(total / 1024 / 1024).toFixed(1)} MiB in ${result.dir}`);
  console.log(`host.json: storage provider ${result.storageProvider}, orchestration version ${ORCHESTRATION_VERSION}`);
}
