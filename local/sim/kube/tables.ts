import type { ResourceDef } from "./resources.js";
import type { KubeObject } from "./types.js";

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion: string };
  columnDefinitions: ResourceDef["columns"];
  rows: { cells: unknown[]; object: unknown }[];
}

/** The server-side printing kubectl asks for with `Accept: ...;as=Table`. */
export function toTable(
  def: ResourceDef,
  objects: readonly KubeObject[],
  now: number,
  resourceVersion: string,
  includeObject: "None" | "Metadata" | "Object" = "Metadata",
): Table {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: def.columns,
    rows: objects.map((object) => ({
      cells: def.cells(object, now),
      object:
        includeObject === "Object"
          ? object
          : includeObject === "None"
            ? null
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata },
    })),
  };
}

/** kubectl's human-readable printer: upper-case headers, columns padded with three spaces. */
export function renderTable(
  table: Table,
  options: { wide: boolean; noHeaders: boolean; prefix?: string; showLabels?: boolean },
): string {
  const visible = table.columnDefinitions
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => column.priority === 0 || options.wide);
  const rows: string[][] = [];
  if (!options.noHeaders) {
    rows.push([...visible.map(({ column }) => column.name.toUpperCase()), ...(options.showLabels ? ["LABELS"] : [])]);
  }
  for (const row of table.rows) {
    const cells = visible.map(({ column, index }) => {
      const text = cellText(row.cells[index], column.name === "Message" ? "" : "<none>");
      return column.format === "name" && options.prefix ? `${options.prefix}/${text}` : text;
    });
    if (options.showLabels) {
      const labels = (row.object as { metadata?: { labels?: Record<string, string> } } | null)?.metadata?.labels ?? {};
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      cells.push(text || "<none>");
    }
    rows.push(cells);
  }
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map(
      (row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join("")}\n`,
    )
    .join("");
}

function cellText(cell: unknown, empty: string): string {
  if (typeof cell === "string") return cell === "" ? empty : cell;
  if (typeof cell === "number" || typeof cell === "boolean") return String(cell);
  return cell === undefined || cell === null ? empty : JSON.stringify(cell);
}
