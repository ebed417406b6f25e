import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.js";

describe("VirtualClock", () => {
  it("fires callbacks in time order and only when advanced past them", () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.at(200, () => fired.push("b"));
    clock.at(100, () => fired.push("a"));
    const cancel = clock.at(150, () => fired.push("cancelled"));
    cancel();
    clock.advanceTo(120);
    expect(fired).toEqual(["a"]);
    expect(clock.now()).toBe(120);
    expect(clock.advanceToNext()).toBe(true);
    expect(fired).toEqual(["a", "b"]);
    expect(clock.now()).toBe(200);
    expect(clock.advanceToNext()).toBe(false);
  });
});
