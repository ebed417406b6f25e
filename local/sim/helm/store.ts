import type { KubeStore } from "../kube/store.js";
import { releaseSecret, type HelmRelease } from "./release.js";

interface Entry {
  release: HelmRelease;
  createdAt: number;
  modifiedAt?: number;
}

const SECRETS = "/secrets";

/**
 * Helm's release storage with the secrets driver: every revision is one Secret in the release's namespace, written
 * through to the API server's store on each change (the simulator is the only writer).
 */
export class ReleaseStore {
  private readonly entries: Entry[] = [];

  constructor(private readonly store: KubeStore) {}

  history(name: string, namespace: string): HelmRelease[] {
    return this.entries
      .filter((e) => e.release.name === name && e.release.namespace === namespace)
      .map((e) => e.release)
      .sort((a, b) => a.version - b.version);
  }

  /** The newest revision of every release (what `helm list` shows), optionally in one namespace. */
  latest(namespace: string | undefined): HelmRelease[] {
    const byName = new Map<string, HelmRelease>();
    for (const { release } of this.entries) {
      if (namespace !== undefined && release.namespace !== namespace) continue;
      const id = `${release.namespace}/${release.name}`;
      const current = byName.get(id);
      if (!current || current.version < release.version) byName.set(id, release);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  last(name: string, namespace: string): HelmRelease | undefined {
    return this.history(name, namespace).at(-1);
  }

  deployed(name: string, namespace: string): HelmRelease | undefined {
    return this.history(name, namespace)
      .filter((r) => r.info.status === "deployed")
      .at(-1);
  }

  get(name: string, namespace: string, version: number): HelmRelease | undefined {
    return this.history(name, namespace).find((r) => r.version === version);
  }

  create(release: HelmRelease, at: number): void {
    const entry: Entry = { release: structuredClone(release), createdAt: at };
    this.entries.push(entry);
    this.store.put(SECRETS, releaseSecret(entry.release, at, undefined));
  }

  update(release: HelmRelease, at: number): void {
    const entry = this.entries.find(
      (e) =>
        e.release.name === release.name &&
        e.release.namespace === release.namespace &&
        e.release.version === release.version,
    );
    if (!entry) throw new Error(`release ${release.name} v${release.version} is not stored`);
    entry.release = structuredClone(release);
    entry.modifiedAt = at;
    this.store.put(SECRETS, releaseSecret(entry.release, entry.createdAt, at));
  }
}
