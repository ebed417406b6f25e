/**
 * Builds the deployment package Azure runs (`npm run package`; azd runs it before each deploy): the app bundled by
 * esbuild into `dist/main.js` with its production dependencies, `host.json`, a production `package.json` and
 * `config/`. Which repository files may ship is decided by `.funcignore`; the local runtime, the simulator, tests,
 * benchmarks and tooling cannot reach the bundle, and the build fails if one of them ever does.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";

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

export async function bundleApp(outFile: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: ["main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: outFile,
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
  files: { path: string; bytes: number }[];
  /** Repository files and npm packages that went into the bundle. */
  bundleInputs: string[];
}

export async function buildPackage(outDir = PACKAGE_DIR): Promise<PackageResult> {
  const rules = await readFuncignore();
  if (isExcluded(rules, BUNDLE_PATH, false)) throw new Error(`.funcignore leaves out the bundle, ${BUNDLE_PATH}`);
  const repo = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as RepoManifest;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const file of await shippedRepositoryFiles()) {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    if (file === "package.json") await writeFile(target, `${JSON.stringify(productionManifest(repo), null, 2)}\n`);
    else await copyFile(path.join(repoRoot, file), target);
  }
  const metafile = await bundleApp(path.join(outDir, BUNDLE_PATH));
  const leaked = devOnlyInputs(metafile, Object.keys(repo.devDependencies ?? {}));
  if (leaked.length > 0) throw new Error(`development-only code reached the bundle: ${leaked.slice(0, 5).join(", ")}`);
  return { dir: outDir, files: await listFiles(outDir), bundleInputs: Object.keys(metafile.inputs) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const result = await buildPackage(process.argv[2] ? path.resolve(process.argv[2]) : PACKAGE_DIR);
  const total = result.files.reduce((sum, f) => sum + f.bytes, 0);
  for (const file of result.files) console.log(`${String(file.bytes).padStart(10)}  ${file.path}`);
  console.log(`${result.files.length} files, ${(total / 1024 / 1024).toFixed(1)} MiB in ${result.dir}`);
}
