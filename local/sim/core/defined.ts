/** `T` without keys that hold undefined: what a zod `.partial()` parse gives once those keys are dropped. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * A copy of `value` without the keys that hold undefined. zod's `.partial()` passes `{ key: undefined }` through;
 * spread over defaults or the current state, such a key would erase the value instead of leaving it as it is.
 */
export function definedOnly<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}
