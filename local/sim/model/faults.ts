import { z } from "zod";
import { seededRandom } from "../core/hash.js";
import { WORKLOADS } from "./workloads.js";

const workloadName = z.string().refine((name) => WORKLOADS.some((w) => w.name === name), {
  message: `must be one of ${WORKLOADS.map((w) => w.name).join(", ")}`,
});

const requestFault = z.preprocess(
  (value) => (typeof value === "number" || value === "timeout" ? { status: value } : value),
  z
    .object({
      /** HTTP status to answer with, or `timeout`: hold the request without answering. */
      status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(429), z.literal("timeout")]),
      /** Fail this many matching requests, then clear. Without count or probability: every matching request. */
      count: z.number().int().positive().optional(),
      /** Fail each matching request with this probability, from a generator seeded by `seed` (deterministic). */
      probability: z.number().min(0).max(1).optional(),
      /** Only requests whose `METHOD /path` contains this text. */
      match: z.string().min(1).optional(),
      retryAfterSeconds: z.number().int().min(0).default(1),
      /** How long a `timeout` holds the request (real milliseconds) before dropping the connection. */
      hangMs: z.number().int().min(0).default(60_000),
    })
    .strict(),
);

const moded = <T extends [string, ...string[]]>(modes: T) =>
  z.preprocess(
    (value) => (typeof value === "string" ? { mode: value } : value),
    z.object({ mode: z.enum(modes), count: z.number().int().positive().optional() }).strict(),
  );

export const faultsSchema = z
  .object({
    arm: requestFault.nullable(),
    kube: requestFault.nullable(),
    runCommand: requestFault.nullable(),
    /** Workloads whose pods crash-loop from now until cleared. */
    crashLoop: z.array(workloadName),
    /** Workloads whose pods crash-loop once a helm upgrade or rollback rolls them (until cleared). */
    crashLoopAfterUpgrade: z.array(workloadName),
    /**
     * Symptoms of upgrade-guide/050-resolve-common-upgrade-issues.md. `oomKilled`: containers are killed for memory
     * (last state OOMKilled, exit 137) and crash-loop, the previous log ending in the page's OutOfMemoryError;
     * `notReady`: Running but never ready, `Readiness probe failed` events, logs waiting for the database;
     * `initWaiting`: the `wait-<service>` init container keeps failing (cluedin-ui waits for cluedin-gql), pods stay
     * Pending in PodInitializing.
     */
    oomKilled: z.array(workloadName),
    notReady: z.array(workloadName),
    initWaiting: z.array(
      workloadName.refine((name) => WORKLOADS.find((w) => w.name === name)?.waitsFor?.length, {
        message: "must be a workload with a wait-<service> init container",
      }),
    ),
    /** `timeout`: pods get ready only after helm's --timeout, so helm fails; `dies`: the helm process is killed. */
    helmUpgrade: moded(["timeout", "dies"]).nullable(),
    /** `never`: the server never answers the upgrade call; `error`: it answers 500. */
    dataUpgrade: moded(["never", "error"]).nullable(),
    /** Volume snapshots (model/snapshots.ts): `never` ready, an `error`, or Azure's `quota` refusal. */
    snapshots: moded(["never", "error", "quota"]).nullable(),
    /** `fail`: a claim created from a snapshot stays Pending (the disk cannot be made from it). */
    restore: moded(["fail"]).nullable(),
    queuesStuck: z.boolean(),
    deadLetterGrowth: z.boolean(),
    /** `slow`: the UI answers after `delayMs` real milliseconds (default 6000); `dead`: 503 from the ingress. */
    ui: z
      .preprocess(
        (value) => (typeof value === "string" ? { mode: value } : value),
        z.object({ mode: z.enum(["slow", "dead"]), delayMs: z.number().int().min(0).default(6_000) }).strict(),
      )
      .nullable(),
    serverLogErrors: z.boolean(),
    /**
     * Image pulls (model/images.ts): `fail` answers Docker Hub's 429 pull-rate-limit error, `slow` takes `factor`
     * times as long; only images containing `match`, for `forMs` (realistic ms) from when the fault is set.
     */
    imagePull: z
      .preprocess(
        (value) => (typeof value === "string" ? { mode: value } : value),
        z
          .object({
            mode: z.enum(["fail", "slow"]),
            match: z.string().min(1).optional(),
            /** Only pulls on these nodes (names or indexes). */
            nodes: z.array(z.string()).optional(),
            forMs: z.number().int().positive().optional(),
            factor: z.number().min(1).default(4),
          })
          .strict(),
      )
      .nullable(),
    /** Nodes (names or indexes) whose disk is so full that the images in use fill it to 83 %. */
    nodeDiskFull: z.array(z.string()),
    seed: z.number().int(),
  })
  .strict();

export type Faults = z.output<typeof faultsSchema>;
export type FaultsInput = z.input<typeof faultsSchema>;
export type RequestFault = NonNullable<Faults["arm"]>;
export type FaultedApi = "arm" | "kube" | "runCommand";

export const partialFaultsSchema = faultsSchema.partial();

export const NO_FAULTS: Faults = {
  arm: null,
  kube: null,
  runCommand: null,
  crashLoop: [],
  crashLoopAfterUpgrade: [],
  oomKilled: [],
  notReady: [],
  initWaiting: [],
  helmUpgrade: null,
  dataUpgrade: null,
  snapshots: null,
  restore: null,
  queuesStuck: false,
  deadLetterGrowth: false,
  ui: null,
  serverLogErrors: false,
  imagePull: null,
  nodeDiskFull: [],
  seed: 1,
};

export interface InjectedFault {
  at: string;
  api: FaultedApi;
  status: RequestFault["status"];
  request: string;
}

/** The current faults, with the bookkeeping for counted and probabilistic ones. */
export class FaultState {
  private current: Faults = structuredClone(NO_FAULTS);
  private random = seededRandom(NO_FAULTS.seed);
  readonly injected: InjectedFault[] = [];

  get(): Faults {
    return structuredClone(this.current);
  }

  /** Merges a partial update; returns the previous faults so callers can react to transitions. */
  set(update: Partial<Faults>): Faults {
    const previous = this.current;
    this.current = { ...previous, ...structuredClone(update) };
    if (update.seed !== undefined) this.random = seededRandom(update.seed);
    return previous;
  }

  /** Decides whether this request fails, consuming a count when it does. */
  requestFault(api: FaultedApi, request: string, at: number): RequestFault | undefined {
    const fault = this.current[api];
    if (!fault) return undefined;
    if (fault.match && !request.includes(fault.match)) return undefined;
    if (fault.probability !== undefined && this.random() >= fault.probability) return undefined;
    if (fault.count !== undefined) {
      this.current[api] = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
    }
    this.injected.push({ at: new Date(at).toISOString(), api, status: fault.status, request });
    return fault;
  }

  /** Takes one use of a moded fault (helm upgrade, data upgrade), clearing it when its count runs out. */
  take<K extends "helmUpgrade" | "dataUpgrade" | "snapshots" | "restore">(key: K): Faults[K] {
    const fault = this.current[key];
    if (fault?.count !== undefined) {
      const remaining: unknown = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
      this.current[key] = remaining as Faults[K];
    }
    return fault;
  }
}
