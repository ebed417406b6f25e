/**
 * The fault matrix (`npm run test:faults`): each cell runs a whole upgrade under one fault and checks the
 * invariants every run must keep; the table of outcomes and violations is printed at the end.
 */
import { afterAll, describe, expect, it } from "vitest";
import { printTable } from "../../bench/table.js";
import { CELLS, isProbabilistic, type Cell } from "./cells.js";
import { runCell } from "./drive.js";
import { violations } from "./invariants.js";

interface Row {
  fault: string;
  mode: string;
  policy: string;
  outcome: string;
  helm: number;
  restarts: number;
  decisions: string;
  seconds: number;
  violations: number;
  /** Violations of a reported, not yet fixed workflow bug. */
  known: number;
}

const rows: Row[] = [];
const found: string[] = [];

/** `a a a b` as `a x3 b`: a run that asks the same question again and again stays one line. */
function summarize(items: string[]): string {
  const groups: [string, number][] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last?.[0] === item) last[1]++;
    else groups.push([item, 1]);
  }
  return groups.map(([item, n]) => (n > 1 ? `${item} x${n}` : item)).join(" ") || "-";
}

/** What an uncaught activity error looks like from outside: no named state, hence no mail and no report. */
const isKnownSymptom = (problem: string): boolean =>
  /^no named state|^no \w+ mail to the operators|without rollback or report|does not say so|the rules allow/.test(
    problem,
  );

const label = (cell: Cell): string => `${cell.fault} | ${cell.mode} | ${cell.policy}`;

describe("fault matrix", () => {
  afterAll(() => {
    const outcomes = new Map<string, number>();
    for (const row of rows) outcomes.set(row.outcome, (outcomes.get(row.outcome) ?? 0) + 1);
    console.log("\nFault matrix");
    printTable(rows.map((r) => ({ ...r })));
    console.log(
      `\nfaults tried: ${new Set(rows.map((r) => r.fault.replace(/ \(seed \d+\)/, ""))).size}, runs: ${rows.length}, ` +
        `outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}, ` +
        `violations: ${rows.reduce((n, r) => n + r.violations, 0)}, ` +
        `known workflow bugs: ${new Set(CELLS.filter((c) => c.known).map((c) => c.known)).size} ` +
        `(${rows.reduce((n, r) => n + r.known, 0)} violations in ${rows.filter((r) => r.known > 0).length} runs)`,
    );
    if (found.length > 0) console.log(`\n${found.join("\n")}`);
  });

  for (const cell of CELLS)
    it(
      label(cell),
      async () => {
        const started = performance.now();
        const result = await runCell(cell);
        try {
          const problems = await violations(result);
          const helm = result.after.helmOperations.filter((op) => op.kind === "upgrade").length;
          rows.push({
            fault: cell.fault,
            mode: cell.mode,
            policy: cell.policy,
            outcome: result.run.status,
            helm,
            restarts: result.restarts,
            decisions: summarize(result.answered.map((a) => `${a.kind}=${a.choice}`)),
            seconds: (performance.now() - started) / 1000,
            violations: cell.known ? 0 : problems.length,
            known: cell.known ? problems.length : 0,
          });
          for (const problem of problems) found.push(`${label(cell)}${cell.known ? " [known]" : ""}: ${problem}`);
          // A known bug must still show: once it is fixed the cell fails here, and its `known` mark goes.
          if (cell.known && !isProbabilistic(cell)) expect(problems, `fixed? ${cell.known}`).not.toEqual([]);
          else if (cell.known) expect(problems.filter((p) => !isKnownSymptom(p))).toEqual([]);
          else expect(problems).toEqual([]);
        } finally {
          await result.demo.close();
        }
      },
      90_000,
    );
});
