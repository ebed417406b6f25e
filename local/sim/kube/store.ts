import type { KubeObject, WatchEventType } from "./types.js";

interface StoredEvent {
  rv: number;
  type: WatchEventType;
  object: KubeObject;
}

export interface Watcher {
  resource: string;
  namespace?: string;
  accepts(object: KubeObject): boolean;
  send(type: WatchEventType, object: KubeObject): void;
}

const HISTORY_LIMIT = 5_000;

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** A fingerprint that ignores resourceVersion, so re-derived objects only bump versions when they changed. */
function fingerprint(object: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata });
}

/**
 * The API server's storage: objects per resource (`group/plural`), one global resourceVersion counter, a bounded
 * event history for watches that resume from a version, and live watchers.
 */
export class KubeStore {
  private rv = 4_000;
  private readonly objects = new Map<string, Map<string, { object: KubeObject; print: string }>>();
  private readonly history = new Map<string, StoredEvent[]>();
  private readonly watchers = new Set<Watcher>();

  resourceVersion(): string {
    return String(this.rv);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const items = [...(this.objects.get(resource)?.values() ?? [])].map((e) => e.object);
    const scoped = namespace === undefined ? items : items.filter((o) => o.metadata.namespace === namespace);
    return scoped.sort(
      (a, b) =>
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(resource)?.get(key(namespace, name))?.object;
  }

  /** Creates or replaces; returns the stored copy with its new resourceVersion (unchanged objects keep theirs). */
  put(resource: string, object: KubeObject): KubeObject {
    const bucket = this.bucket(resource);
    const id = key(object.metadata.namespace, object.metadata.name);
    const existing = bucket.get(id);
    const print = fingerprint(object);
    if (existing && existing.print === print) return existing.object;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    bucket.set(id, { object: stored, print });
    this.emit(resource, existing ? "MODIFIED" : "ADDED", stored);
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.bucket(resource);
    const id = key(namespace, name);
    const existing = bucket.get(id);
    if (!existing) return undefined;
    bucket.delete(id);
    const gone = structuredClone(existing.object);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit(resource, "DELETED", gone);
    return gone;
  }

  /** Makes a derived resource match `desired` exactly: adds, modifies and deletes as needed. */
  reconcile(resource: string, desired: readonly KubeObject[]): void {
    const wanted = new Set<string>();
    for (const object of desired) {
      wanted.add(key(object.metadata.namespace, object.metadata.name));
      this.put(resource, object);
    }
    for (const id of [...this.bucket(resource).keys()]) {
      if (wanted.has(id)) continue;
      const [namespace, name] = [id.slice(0, id.indexOf("/")), id.slice(id.indexOf("/") + 1)];
      this.remove(resource, namespace === "" ? undefined : namespace, name);
    }
  }

  /**
   * Starts a watch. Without a version (or "0") the watcher first gets ADDED for every current object; with one, it
   * gets the recorded events after it, or `expired` when history no longer reaches back that far (410 Gone).
   */
  watch(
    watcher: Watcher,
    fromVersion: string | undefined,
  ): { ok: true; stop: () => void } | { ok: false; oldest: number } {
    if (fromVersion === undefined || fromVersion === "" || fromVersion === "0") {
      for (const object of this.list(watcher.resource, watcher.namespace)) {
        if (watcher.accepts(object)) watcher.send("ADDED", object);
      }
    } else {
      const from = Number(fromVersion);
      const events = this.history.get(watcher.resource) ?? [];
      const oldest = events[0]?.rv ?? this.rv;
      if (!Number.isFinite(from) || (events.length >= HISTORY_LIMIT && from < oldest - 1)) return { ok: false, oldest };
      for (const event of events) {
        if (event.rv > from && this.inScope(watcher, event.object)) watcher.send(event.type, event.object);
      }
    }
    this.watchers.add(watcher);
    return { ok: true, stop: () => this.watchers.delete(watcher) };
  }

  watcherCount(): number {
    return this.watchers.size;
  }

  private inScope(watcher: Watcher, object: KubeObject): boolean {
    return (
      (watcher.namespace === undefined || object.metadata.namespace === watcher.namespace) && watcher.accepts(object)
    );
  }

  private emit(resource: string, type: WatchEventType, object: KubeObject): void {
    const events = this.history.get(resource) ?? [];
    events.push({ rv: this.rv, type, object });
    if (events.length > HISTORY_LIMIT) events.splice(0, events.length - HISTORY_LIMIT);
    this.history.set(resource, events);
    for (const watcher of this.watchers) {
      if (watcher.resource === resource && this.inScope(watcher, object)) watcher.send(type, object);
    }
  }

  private bucket(resource: string): Map<string, { object: KubeObject; print: string }> {
    let bucket = this.objects.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(resource, bucket);
    }
    return bucket;
  }
}
