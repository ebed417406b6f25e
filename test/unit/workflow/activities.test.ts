/**
 * The orchestration-to-activity boundary is typed both ways from one definition per activity. The
 * `@ts-expect-error` lines are the test: if a wrong or renamed field ever compiled, `tsc --noEmit` (run by CI)
 * would fail on the unused directive.
 */
import type { RegisteredActivity } from "durable-functions";
import { describe, expect, it } from "vitest";
import { ACTIVITIES, type WorkflowActivities } from "../../../lib/workflow/activities.js";
import type { ReadReleaseResult } from "../../../lib/workflow/contracts.js";
import { call, type Flow } from "../../../orchestrators/calls.js";

const registered = <K extends keyof WorkflowActivities>(name: K): WorkflowActivities[K] =>
  ({
    definition: ACTIVITIES[name],
    handle: (() => undefined) as unknown as RegisteredActivity,
  }) as unknown as WorkflowActivities[K];

/** Never run: it only has to compile. */
function* calls(): Flow<void> {
  const prepare = registered("prepareValues");
  yield* call(prepare, { cluster: "demo", revision: 3, valuesFingerprint: "f", targetRelease: "2025.05.00" });
  // @ts-expect-error a renamed input field (revision -> sourceRevision) does not compile
  yield* call(prepare, { cluster: "demo", sourceRevision: 3, valuesFingerprint: "f", targetRelease: "2025.05.00" });
  // @ts-expect-error a field of the wrong type does not compile
  yield* call(prepare, { cluster: "demo", revision: "3", valuesFingerprint: "f", targetRelease: "2025.05.00" });
  // @ts-expect-error a missing required field does not compile
  yield* call(prepare, { cluster: "demo", revision: 3, targetRelease: "2025.05.00" });

  const release: ReadReleaseResult = yield* call(registered("readCurrentRelease"), { cluster: "demo" });
  // @ts-expect-error the result is the activity's result type, not anything the caller likes
  const wrong: string = yield* call(registered("readCurrentRelease"), { cluster: "demo" });
  void release;
  void wrong;
}

describe("activity definitions", () => {
  it("type the calls both ways (see the @ts-expect-error lines, checked by tsc)", () => {
    expect(typeof calls).toBe("function");
  });

  it("name every activity once, under the key the orchestrations use", () => {
    const names = Object.entries(ACTIVITIES).map(([key, definition]) => [key, definition.name]);
    expect(names.every(([key, name]) => key === name)).toBe(true);
    expect(new Set(names.map(([, name]) => name)).size).toBe(names.length);
  });

  it("refuse at the door what the compiler would refuse in the orchestration", () => {
    const input = { cluster: "demo", revision: 3, valuesFingerprint: "f", targetRelease: "2025.05.00" };
    expect(ACTIVITIES.prepareValues.input.safeParse(input).success).toBe(true);
    const { revision, ...renamed } = input;
    expect(ACTIVITIES.prepareValues.input.safeParse({ ...renamed, sourceRevision: revision }).success).toBe(false);
    expect(ACTIVITIES.notify.input.safeParse({ cluster: "demo", kind: "anything" }).success).toBe(false);
  });
});
