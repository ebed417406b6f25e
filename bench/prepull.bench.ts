/**
 * What the image pre-pull takes off the downtime: the same upgrade with `policies.prePull: best-effort` and `off`,
 * side by side, for a basic (2024.12.01 -> 2024.12.02) and a data upgrade (2024.12.02 -> 2025.05.00), on the
 * virtual clock at time scale 1 (the simulator's realistic durations). Downtime as bench/workflow.bench.ts and the
 * audit measure it: from the start of the first Helm stage to the end of the verification. The pull share is the
 * part of the roll-out spent waiting for images: from the simulator's own record of every pull
 * (`/_sim/state` `pulls`), the longest wait for an image of a pod created during the downtime (pulls on a node are
 * serialized, so it can exceed the server's own pull), over the roll-out time T (helm's Run Command, submitted to
 * finished). The target: that share gone from the downtime; the downtime saved is the measured difference.
 */
import { approve, startDemo } from "../test/e2e/harness.js";
import { figure, type Bench, type BenchResult, type Row } from "./table.js";

const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };

interface Sample {
  downtimeS: number;
  rolloutS: number;
  pullWaitS: number;
  pulledGB: number;
  prePullS: number;
}

async function upgradeOnce(kind: "basic" | "data", prePull: "best-effort" | "off"): Promise<Sample> {
  const demo = await startDemo({
    ...(kind === "basic" ? { scenario: BASIC } : {}),
    timeScale: 1,
    profile: { policies: { prePull } },
  });
  try {
    const id = await demo.start(kind === "basic" ? "2024.12.02" : "2025.05.00");
    await approve(demo, id);
    const run = await demo.finished(id);
    if (run.status !== "completed") throw new Error(`${kind} upgrade (${prePull}) ended ${run.status}: ${run.reason}`);
    const stage = (name: string) => run.stages.find((s) => s.name === name);
    const first = stage(kind === "basic" ? "helm-upgrade" : "upgrade-mode");
    const verify = stage("verify");
    if (!first || !verify?.endedAt) throw new Error(`${kind} upgrade: no Helm or verify stage`);
    const from = Date.parse(first.startedAt);
    const to = Date.parse(verify.endedAt);
    const state = demo.app.sim.state();
    const helm = state.commands.filter((c) => /helm upgrade/.test(c.command) && c.finishedAt);
    const rollout = helm.reduce((sum, c) => sum + Date.parse(c.finishedAt!) - Date.parse(c.submittedAt), 0);
    const during = state.pulls.filter((p) => {
      const at = Date.parse(p.requestedAt);
      return at >= from && at <= to && p.doneAt;
    });
    const wait = Math.max(0, ...during.map((p) => Date.parse(p.doneAt!) - Date.parse(p.requestedAt)));
    const prePullStage = stage("pre-pull");
    return {
      downtimeS: (to - from) / 1000,
      rolloutS: rollout / 1000,
      pullWaitS: wait / 1000,
      pulledGB: during.reduce((sum, p) => sum + p.sizeBytes, 0) / 1e9,
      prePullS: prePullStage?.endedAt
        ? (Date.parse(prePullStage.endedAt) - Date.parse(prePullStage.startedAt)) / 1000
        : 0,
    };
  } finally {
    await demo.close();
  }
}

const prePullBench: Bench = async (): Promise<BenchResult> => {
  const rows: Row[] = [];
  const saved: Record<string, number> = {};
  for (const kind of ["basic", "data"] as const) {
    const off = await upgradeOnce(kind, "off");
    const on = await upgradeOnce(kind, "best-effort");
    for (const [policy, s] of [
      ["off", off],
      ["best-effort", on],
    ] as const)
      rows.push({
        upgrade: kind,
        "pre-pull": policy,
        "pre-pull stage (s)": s.prePullS,
        "downtime (s)": s.downtimeS,
        "roll-out T (s)": s.rolloutS,
        "pulled during downtime (GB)": s.pulledGB,
        "longest pull wait (s)": s.pullWaitS,
        "pull share of roll-out %": s.rolloutS > 0 ? (s.pullWaitS / s.rolloutS) * 100 : 0,
      });
    saved[kind] = off.downtimeS - on.downtimeS;
    saved[`${kind}Pull`] = off.pullWaitS;
    saved[`${kind}Off`] = off.downtimeS;
    saved[`${kind}On`] = on.downtimeS;
    saved[`${kind}Left`] = on.pullWaitS;
  }
  const line = (kind: string): string =>
    `${kind} upgrade ${figure(saved[`${kind}Off`] ?? 0)} s -> ${figure(saved[`${kind}On`] ?? 0)} s of downtime ` +
    `(${figure(saved[kind] ?? 0)} s saved; longest pull wait in the downtime ${figure(saved[`${kind}Pull`] ?? 0)} s -> ` +
    `${figure(saved[`${kind}Left`] ?? 0)} s)`;
  return {
    tables: [{ title: "Downtime with and without image pre-pull (time scale 1, virtual clock, 2 s poll)", rows }],
    notes: [
      "Image sizes are modelled (local/sim/model/images.ts): cluedin-server 3.9 GB, pulled in the scenario's imagePullMs " +
        "(40 s by default), other images in proportion, one pull at a time per node (kubelet serializeImagePulls).",
    ],
    summary: `${line("basic")}; ${line("data")}`,
  };
};

export default prePullBench;
