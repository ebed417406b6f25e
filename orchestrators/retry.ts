import * as df from "durable-functions";

/** Transient API errors are retried on durable timers, by the orchestration; the adapters do not retry. */
export const transientRetry = (() => {
  const retry = new df.RetryOptions(2_000, 3);
  retry.backoffCoefficient = 2;
  return retry;
})();
