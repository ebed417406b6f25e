/**
 * Files that travel with a command (the values file): validated names, and the zip AKS Run Command expects in
 * `context` (extracted into the command's working directory, REFERENCE §3).
 */
import { strToU8, zipSync, type Zippable } from "fflate";
import type { HelmCommandFile } from "./types.js";

/** A plain file name in the working directory: no path separators, no leading dot or dash. */
export const commandFileNamePattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function assertCommandFileNames(files: HelmCommandFile[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (!commandFileNamePattern.test(file.name))
      throw new Error(`invalid command file name: ${JSON.stringify(file.name)}`);
    if (seen.has(file.name)) throw new Error(`duplicate command file name: ${file.name}`);
    seen.add(file.name);
  }
}

/** Base64 of a zip holding `files` at its root. */
export function zipContextBase64(files: HelmCommandFile[]): string {
  assertCommandFileNames(files);
  const entries: Zippable = {};
  for (const file of files) entries[file.name] = strToU8(file.content);
  return Buffer.from(zipSync(entries, { level: 6 })).toString("base64");
}
