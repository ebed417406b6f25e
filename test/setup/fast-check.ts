/**
 * Property tests run on a fixed seed so the suite is repeatable (a red CI names a real regression, not a new random
 * draw). `FC_SEED=random npm test` explores fresh inputs; `FC_SEED=<n>` replays a reported failure.
 */
import fc from "fast-check";

const seed = process.env.FC_SEED;
if (seed !== "random") fc.configureGlobal({ seed: seed ? Number(seed) : 20261127 });
