/**
 * Runs every benchmark under bench/ (files named *.bench.ts, each exporting a `Bench` as default) in turn.
 * `npm run bench -- runtime` runs only those whose file name contains "runtime"; `--json` prints one JSON object
 * per table row instead of the tables; `--markdown` also rewrites the README's benchmark table from this run.
 * Other words go to the benchmarks (e.g. `npm run bench -- cost --gb-second-price 0.000026`).
 */
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { writeReadmeTable } from "./readme.js";
import { printJson, printText, type Bench, type BenchResult } from "./table.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const words = process.argv.slice(2);
const json = words.includes("--json");
const markdown = words.includes("--markdown");
const filter = words[0] !== undefined && !words[0].startsWith("--") ? words[0] : undefined;
const benchArgs = words.filter((w, i) => w !== "--json" && w !== "--markdown" && !(i === 0 && filter));
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();

const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter))).sort();
const results = new Map<string, BenchResult>();
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: Bench };
  if (!json) console.log(`\n## ${name}`);
  const result = await mod.default(benchArgs);
  results.set(name, result);
  if (json) printJson(name, commit, result);
  else printText(result);
}
if (markdown) await writeReadmeTable(results, commit);
