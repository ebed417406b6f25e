/** The wave routes' request bodies, one schema each (functions/waves.ts validates with them). */
import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "lower-case letters, digits and hyphens");

export const StartWaveRequestSchema = z.strictObject({
  strategy: name,
  targetRelease: z
    .string()
    .min(4)
    .max(20)
    .regex(/^\d{4}\.\d{2}(\.\d{2})?$/, "a CluedIn release such as 2025.05.00"),
  dryRun: z.boolean().optional(),
  requestedBy: z.strictObject({ name: z.string().min(1).max(200), email: z.email().max(320).optional() }).optional(),
});
export type StartWaveRequest = z.infer<typeof StartWaveRequestSchema>;

export const WaveControlRequestSchema = z.strictObject({
  reason: z.string().min(1).max(500).optional(),
  by: z.string().max(200).optional(),
});

/** A skip names what it skips and why: the reason goes into the wave's audit record. */
export const SkipRequestSchema = WaveControlRequestSchema.extend({
  reason: z.string().min(1).max(500),
  target: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("cluster"), name }),
    z.strictObject({ kind: z.literal("group"), stage: name, name }),
    z.strictObject({ kind: z.literal("stage"), name }),
  ]),
});

export const WaveIdSchema = z.string().regex(/^wave-\d{8}t\d{6}z-[0-9a-f]{6}$/, "a wave id");
