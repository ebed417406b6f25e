/**
 * A durable function's contract, defined once: its name, the schema of its input and the type of its result. The
 * composition root registers each function under its definition and parses the input with the schema there; the
 * orchestrations call through the registered handle, so a renamed or mistyped field is a compile error on both
 * sides (the way Temporal derives an activity proxy from its implementation).
 */
import type { z } from "zod";

export interface Definition<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly name: string;
  readonly input: S;
  /** Never set: it carries the result type for the compiler. */
  readonly result?: R;
}

export const define =
  <R>() =>
  <S extends z.ZodType>(name: string, input: S): Definition<S, R> => ({ name, input });

export type InputOf<D> = D extends Definition<infer S, unknown> ? z.input<S> : never;
export type ParsedInputOf<D> = D extends Definition<infer S, unknown> ? z.output<S> : never;
export type ResultOf<D> = D extends Definition<z.ZodType, infer R> ? R : never;

/** A registered function: its definition and the handle the orchestrations yield. */
export interface Registered<S extends z.ZodType, R, Handle> {
  readonly definition: Definition<S, R>;
  readonly handle: Handle;
}
