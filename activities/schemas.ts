/** Input schemas shared by the activities: what the orchestration sends is checked at the door like any input. */
import { z } from "zod";

export const ClusterRefSchema = z.object({ cluster: z.string().min(1).max(63) });

export const CommandHandleSchema = z.discriminatedUnion("driver", [
  z.object({ driver: z.literal("run-command"), commandId: z.string().min(1).max(200), startedAt: z.string() }),
  z.object({ driver: z.literal("cli"), runId: z.string().min(1).max(200), startedAt: z.string() }),
  z.object({ driver: z.literal("release"), revision: z.number().int().positive(), startedAt: z.string() }),
]);

export type { ServicesFactory } from "../lib/services.js";
