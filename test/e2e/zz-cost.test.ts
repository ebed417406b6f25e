import { afterEach, it } from "vitest";
import { approve, startDemo, type Demo } from "/work/wt-snap/test/e2e/harness.js";
let demo: Demo | undefined;
afterEach(async () => { await demo?.close(); demo = undefined; });
for (const mode of ["off", "data-upgrade-only", "off", "data-upgrade-only"] as const)
  it(`cost ${mode}`, async () => {
    demo = await startDemo({ profile: { policies: { snapshots: mode } } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const v0 = demo.clock.now(); const w0 = Date.now();
    const run = await demo.finished(id);
    console.info(`COST ${mode} status=${run.status} virtual=${demo.clock.now() - v0} wall=${Date.now() - w0}`);
  }, 120_000);
