/**
 * Cold start: how long a fresh Node process takes to import the app's entry module with every registration, as a
 * ratio to importing `@azure/functions` and `durable-functions` alone, measured in the same run. Two builds of the
 * app: tsc's output with node_modules (`npm run build`) and the esbuild bundle Azure runs (`npm run package`). Each
 * child first installs the registration stand-in (Azure's worker provides the real `@azure/functions-core`), so every
 * variant registers exactly as it would in Azure. Runs are interleaved; the median of each variant is reported.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { BUNDLE_PATH, buildPackage, repoRoot } from "../infra/package.js";
import { figure, median, type BenchResult } from "./table.js";

const run = promisify(execFile);
const ROUNDS = 7;

const CHILD = `
import { captureRegistrations, registeredFunctions } from "./registry.mjs";
captureRegistrations();
const started = performance.now();
for (const specifier of process.argv.slice(2)) await import(specifier);
console.log(JSON.stringify({ ms: performance.now() - started, functions: registeredFunctions().length }));
`;

interface Sample {
  ms: number;
  functions: number;
}

async function importOnce(dir: string, specifiers: string[]): Promise<Sample> {
  const { stdout } = await run(process.execPath, ["--no-warnings", path.join(dir, "child.mjs"), ...specifiers], {
    cwd: dir,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim()) as Sample;
}

/** tsc's output of the app, as `npm run build` makes it, beside the repository's node_modules. */
async function compileApp(outDir: string): Promise<string> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await run(process.execPath, [tsc, "-p", path.join(repoRoot, "tsconfig.build.json"), "--outDir", outDir], {
    cwd: repoRoot,
    timeout: 300_000,
  });
  await writeFile(path.join(outDir, "package.json"), JSON.stringify({ type: "module" }));
  return pathToFileURL(path.join(outDir, "main.js")).href;
}

export default async function coldstartBench(): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "coldstart-bench-"));
  try {
    await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    await build({
      entryPoints: [path.join(repoRoot, "local", "runtime", "registry.ts")],
      outfile: path.join(dir, "registry.mjs"),
      format: "esm",
      platform: "node",
      logLevel: "warning",
    });
    await writeFile(path.join(dir, "child.mjs"), CHILD);
    await mkdir(path.join(dir, "compiled"));
    const compiled = await compileApp(path.join(dir, "compiled"));
    const pkg = await buildPackage(path.join(dir, "package"));
    const packageBytes = pkg.files.reduce((sum, f) => sum + f.bytes, 0);

    const variants = [
      { name: "@azure/functions + durable-functions", specifiers: ["@azure/functions", "durable-functions"] },
      { name: "app, tsc output + node_modules", specifiers: [compiled] },
      { name: "app, esbuild bundle (deployed)", specifiers: [pathToFileURL(path.join(pkg.dir, BUNDLE_PATH)).href] },
    ];
    const samples = variants.map(() => [] as Sample[]);
    for (let round = 0; round < ROUNDS; round += 1)
      for (const [i, variant] of variants.entries()) samples[i]?.push(await importOnce(dir, variant.specifiers));

    const baseline = median(samples[0]?.map((s) => s.ms) ?? []);
    const rows = variants.map((variant, i) => {
      const times = samples[i]?.map((s) => s.ms) ?? [];
      return {
        import: variant.name,
        "median ms": median(times),
        "min ms": Math.min(...times),
        "x baseline": median(times) / baseline,
        functions: samples[i]?.[0]?.functions ?? 0,
      };
    });
    const [, tsc, bundle] = rows;
    const chunks = pkg.files.filter((f) => f.path.startsWith("dist/chunks/"));
    const shipped = [
      ...pkg.files.filter((f) => !chunks.includes(f)).map((f) => f.path),
      `dist/chunks/ (${chunks.length} files loaded on first use)`,
    ];
    return {
      tables: [{ title: "Cold start: importing the entry module in a fresh process", rows }],
      notes: [
        `${ROUNDS} fresh processes per variant, interleaved; package: ${pkg.files.length} files, ` +
          `${(packageBytes / 1024 / 1024).toFixed(1)} MiB (${shipped.join(", ")})`,
      ],
      summary:
        `importing the deployed bundle with all registrations: ${figure(bundle?.["median ms"] ?? 0)} ms, ` +
        `${figure(bundle?.["x baseline"] ?? 0, 2)}x importing \`@azure/functions\` + \`durable-functions\` alone ` +
        `(same run; target <= 1.3x); the unbundled \`tsc\` output ${figure(tsc?.["x baseline"] ?? 0, 1)}x`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
