import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLE_PATH,
  buildPackage,
  devOnlyInputs,
  isExcluded,
  parseIgnoreRules,
  productionManifest,
  readFuncignore,
  repoRoot,
  shippedRepositoryFiles,
  type IgnoreRule,
  type PackageResult,
} from "../../infra/package.js";

const ships = (rules: IgnoreRule[], file: string): boolean => !isExcluded(rules, file, false);

describe("gitignore rules", () => {
  it("lets the last matching rule decide", () => {
    const rules = parseIgnoreRules("*.log\n!keep.log\n");
    expect(ships(rules, "debug.log")).toBe(false);
    expect(ships(rules, "logs/keep.log")).toBe(true);
    expect(ships(rules, "notes.txt")).toBe(true);
  });

  it("never brings back a file under an excluded directory", () => {
    const rules = parseIgnoreRules("/build/\n!/build/keep.js\n");
    expect(ships(rules, "build/keep.js")).toBe(false);
    expect(ships(rules, "src/build/x.js")).toBe(true);
  });

  it("anchors patterns with a slash and matches ** across directories", () => {
    const rules = parseIgnoreRules("*\n!/a/\n!/a/**/\n!/a/**/*.js\n");
    expect(ships(rules, "a/b/c/d.js")).toBe(true);
    expect(ships(rules, "a/d.js")).toBe(true);
    expect(ships(rules, "a/b/d.ts")).toBe(false);
    expect(ships(rules, "x/a/d.js")).toBe(false);
  });

  it("matches directory-only rules against directories alone", () => {
    const rules = parseIgnoreRules("cache/\n");
    expect(isExcluded(rules, "cache", true)).toBe(true);
    expect(isExcluded(rules, "cache", false)).toBe(false);
    expect(isExcluded(rules, "cache/x", false)).toBe(true);
  });
});

describe(".funcignore", () => {
  let rules: IgnoreRule[];
  beforeAll(async () => {
    rules = await readFuncignore();
  });

  it.each([
    "host.json",
    "package.json",
    "config/releases.yaml",
    "config/clusters.yaml",
    // Named by the catalog's extraValuesFiles (2024.12: --values elasticsearch-upgrade.yml); the loader checks it.
    "config/values-files/elasticsearch-upgrade.yml",
    "dist/main.js",
    "dist/lib/settings.js",
    "node_modules/zod/index.js",
  ])("ships %s", (file) => {
    expect(ships(rules, file)).toBe(true);
  });

  it.each([
    "main.ts",
    "lib/settings.ts",
    "local/app.ts",
    "local/sim/simulator.ts",
    "local/runtime/runtime.ts",
    "test/unit/packaging.test.ts",
    "bench/coldstart.bench.ts",
    "scripts/smoke.ts",
    "infra/main.bicep",
    "infra/package.ts",
    "docs/deploy.md",
    "README.md",
    "config/README.md",
    "tsconfig.json",
    "tsconfig.build.json",
    "vitest.config.ts",
    "eslint.config.js",
    "package-lock.json",
    "azure.yaml",
    ".env",
    ".local/outbox/mail.eml",
    "dist/main.js.map",
    "dist/deploy/dist/main.js",
  ])("leaves out %s", (file) => {
    expect(ships(rules, file)).toBe(false);
  });

  it("keeps node_modules, so azd may deploy without a remote build", () => {
    expect(isExcluded(rules, "node_modules", true)).toBe(false);
  });
});

describe("the repository files that ship", () => {
  it("are host.json, package.json and the configuration", async () => {
    const files = await shippedRepositoryFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        "host.json",
        "package.json",
        "config/releases.yaml",
        "config/values-files/elasticsearch-upgrade.yml",
      ]),
    );
    for (const file of files)
      expect(file).toMatch(/^(host\.json|package\.json|config\/[^/]+\.yaml|config\/values-files\/[^/]+\.ya?ml)$/);
  });
});

describe("productionManifest", () => {
  const repo = { name: "x", version: "1.0.0", type: "module", main: BUNDLE_PATH, devDependencies: { vitest: "1" } };

  it("keeps what Azure reads and drops dependencies, scripts and dev tooling", () => {
    const manifest = productionManifest({ ...repo, scripts: { test: "vitest" } } as typeof repo);
    expect(manifest).toMatchObject({ name: "x", type: "module", main: BUNDLE_PATH });
    expect(manifest).not.toHaveProperty("devDependencies");
    expect(manifest).not.toHaveProperty("scripts");
    expect(manifest).not.toHaveProperty("dependencies");
  });

  it("refuses a package.json whose entry point is not the bundle", () => {
    expect(() => productionManifest({ ...repo, main: "main.js" })).toThrow(/main/);
  });
});

describe("devOnlyInputs", () => {
  it("names bundle inputs from development-only trees and devDependencies", () => {
    const inputs = (names: string[]) => ({
      inputs: Object.fromEntries(names.map((n) => [n, { bytes: 1, imports: [] }])),
      outputs: {},
    });
    const found = devOnlyInputs(
      inputs(["main.ts", "lib/settings.ts", "local/sim/simulator.ts", "node_modules/selfsigned/index.js"]),
      ["selfsigned"],
    );
    expect(found).toEqual(["local/sim/simulator.ts", "node_modules/selfsigned/index.js"]);
  });
});

describe("buildPackage", () => {
  let dir: string;
  let result: PackageResult;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-package-"));
    result = await buildPackage(path.join(dir, "package"), "DurableTaskScheduler");
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds the bundle, host.json, a production package.json and the configuration, nothing else", async () => {
    const files = result.files.map((f) => f.path);
    const chunks = files.filter((f) => f.startsWith("dist/chunks/"));
    expect(files.filter((f) => !chunks.includes(f))).toEqual([...(await shippedRepositoryFiles()), BUNDLE_PATH].sort());
    for (const chunk of chunks) expect(chunk).toMatch(/^dist\/chunks\/[\w-]+\.js$/);
    expect(files).toContain("config/releases.yaml");
  });

  it("ships the repository's host.json (the default provider) and a package.json whose entry point is the bundle", async () => {
    expect(result.storageProvider).toBe("DurableTaskScheduler");
    expect(JSON.parse(await readFile(path.join(result.dir, "host.json"), "utf8"))).toEqual(
      JSON.parse(await readFile(path.join(repoRoot, "host.json"), "utf8")),
    );
    const manifest = JSON.parse(await readFile(path.join(result.dir, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ main: BUNDLE_PATH, type: "module" });
    expect(Object.keys(manifest)).not.toContain("devDependencies");
  });

  it("bundles the app and its production dependencies, not the local runtime, simulator, tests or dev tools", () => {
    const inputs = result.bundleInputs;
    expect(inputs).toContain("main.ts");
    for (const tree of ["functions/", "orchestrators/", "activities/", "lib/"])
      expect(inputs.some((i) => i.startsWith(tree))).toBe(true);
    for (const dep of ["durable-functions", "@azure/functions", "@azure/identity", "zod"])
      expect(inputs.some((i) => i.startsWith(`node_modules/${dep}/`))).toBe(true);
    for (const tree of ["local/", "test/", "bench/", "scripts/", "infra/"])
      expect(inputs.filter((i) => i.startsWith(tree))).toEqual([]);
    for (const dep of ["selfsigned", "vitest", "typescript", "fast-check", "playwright-core", "esbuild", "tsx"])
      expect(inputs.filter((i) => i.startsWith(`node_modules/${dep}/`))).toEqual([]);
  });

  it("leaves the worker's own module to the worker", async () => {
    const bundle = await readFile(path.join(result.dir, BUNDLE_PATH), "utf8");
    expect(bundle).toContain('require("@azure/functions-core")');
  });
});
