import type { ColumnDef } from "./resources.js";

/** A Table column as the API server describes it (meta.k8s.io/v1 TableColumnDefinition). */
export const col = (name: string, type: ColumnDef["type"] = "string", priority = 0, format = ""): ColumnDef => ({
  name,
  type,
  format,
  description: name,
  priority,
});
