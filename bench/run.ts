/**
 * Runs every benchmark under bench/ (files named *.bench.ts, each exporting `default async function`) in turn.
 * `npm run bench -- runtime` runs only the benchmarks whose file name contains "runtime".
 */
import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter))).sort();
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<void> };
  console.log(`\n## ${file.replace(/\.bench\.ts$/, "")}`);
  await mod.default();
}
