/**
 * What a benchmark hands back, and the ways it is shown: aligned plain-text tables (the default), one JSON object per
 * row (`--json`, for comparing commits), and a one-line summary per benchmark for the README (`--markdown`).
 */
export type Row = Record<string, string | number>;

export interface Table {
  title: string;
  rows: Row[];
}

export interface BenchResult {
  tables: Table[];
  /** Context printed under the tables: sizes, conditions, sources. */
  notes?: string[];
  /** The headline figures in one sentence, for the README's benchmark table. */
  summary: string;
}

/** A benchmark module's default export; `args` are the command line's words the runner does not use itself. */
export type Bench = (args: string[]) => Promise<BenchResult>;

const cell = (v: string | number | undefined): string =>
  typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : (v ?? "");

/** Prints rows as an aligned plain-text table, the format every benchmark uses. */
export function printTable(rows: Row[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => cell(r[h]).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(headers.map((h) => cell(r[h]))));
}

export function printText(result: BenchResult): void {
  for (const table of result.tables) {
    console.log(`\n${table.title}`);
    printTable(table.rows);
  }
  for (const note of result.notes ?? []) console.log(note);
}

/** One line per row: `{bench, table, commit, ...row}`, numbers unrounded. */
export function printJson(bench: string, commit: string, result: BenchResult): void {
  for (const table of result.tables)
    for (const row of table.rows) console.log(JSON.stringify({ bench, table: table.title, commit, ...row }));
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Numbers for prose: thousands separated, `digits` decimals. */
export const figure = (value: number, digits = 0): string =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
