/**
 * The ordered record of what changed the cluster: helm releases, and every create, apply, patch or delete that
 * reached the API server (from kubectl in Run Command, from a client, or from helm itself). Tests read it through
 * `GET /_sim/journal` to check that a procedure's steps ran, and in which order.
 */
export interface JournalEntry {
  /** 1, 2, 3...: the order operations took effect. */
  seq: number;
  /** Simulated time, ISO 8601. */
  at: string;
  /** Who made the change: `kubectl` (Run Command), `kube-api` (a client), `helm`. */
  actor: "kubectl" | "kube-api" | "helm";
  verb: "create" | "apply" | "patch" | "update" | "delete" | "install" | "upgrade" | "rollback";
  /** `daemonsets.apps`, `customresourcedefinitions.apiextensions.k8s.io`, `dataupgrades.api.cluedin.com`, or
   * `release` for helm. */
  resource: string;
  namespace?: string;
  name: string;
  /** Chart for helm (`cluedin-platform-2.4.2`), toVersion for DataUpgrades, source URL for applied manifests. */
  detail?: string;
  outcome: "ok" | "failed";
  /** Helm's error, for failed helm operations. */
  error?: string;
}

export class Journal {
  private readonly entries: JournalEntry[] = [];

  record(entry: Omit<JournalEntry, "seq">): JournalEntry {
    const full: JournalEntry = { seq: this.entries.length + 1, ...entry };
    this.entries.push(full);
    return full;
  }

  all(): JournalEntry[] {
    return structuredClone(this.entries);
  }
}
