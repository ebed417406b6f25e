import { describe, expect, it } from "vitest";
import {
  commandIdFromLocation,
  commandIdFromPollerState,
  noExitCode,
  toCommandPoll,
} from "../../../lib/clients/aks.js";

const base =
  "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";

describe("command ids", () => {
  it.each([
    [`${base}/commandResults/cmd1abcdef?api-version=2026-04-01`, "cmd1abcdef"],
    [`${base}/commandResults/4a5b6c7d`, "4a5b6c7d"],
    [`${base}/runCommand?api-version=2026-04-01`, undefined],
    [undefined, undefined],
  ])("reads %s", (location, id) => {
    expect(commandIdFromLocation(location)).toBe(id);
  });

  it("reads the id out of a serialized poller", () => {
    const state = JSON.stringify({
      state: { status: "running", config: { operationLocation: `${base}/commandResults/cmd9?api-version=x` } },
    });
    expect(commandIdFromPollerState(state)).toBe("cmd9");
    expect(commandIdFromPollerState("not json")).toBeUndefined();
    expect(commandIdFromPollerState("{}")).toBeUndefined();
  });
});

describe("toCommandPoll", () => {
  const now = new Date("2026-01-05T09:00:00Z");
  const finishedAt = new Date("2026-01-05T08:59:00Z");

  it.each([
    ["a bodiless 202", undefined],
    ["Running", { provisioningState: "Running" }],
    ["Accepted", { provisioningState: "Accepted" }],
    ["no state", {}],
  ])("is running for %s", (_name, result) => {
    expect(toCommandPoll(result, now)).toEqual({ state: "running" });
  });

  it("reports a finished command's exit code, logs and time", () => {
    expect(toCommandPoll({ provisioningState: "Succeeded", exitCode: 0, logs: "ok\n", finishedAt }, now)).toEqual({
      state: "done",
      exitCode: 0,
      logs: "ok\n",
      finishedAt: "2026-01-05T08:59:00.000Z",
    });
  });

  it("keeps a failing command's exit code and appends the reason AKS gave", () => {
    expect(
      toCommandPoll(
        { provisioningState: "Failed", exitCode: 1, logs: "Error: UPGRADE FAILED: x", reason: "CommandFailed" },
        now,
      ),
    ).toEqual({
      state: "done",
      exitCode: 1,
      logs: "Error: UPGRADE FAILED: x\nCommandFailed",
      finishedAt: now.toISOString(),
    });
  });

  it("reports a command AKS ended without an exit code", () => {
    const poll = toCommandPoll({ provisioningState: "Failed", reason: "pod failed to start" }, now);
    expect(poll).toMatchObject({ state: "done", exitCode: noExitCode, logs: "\npod failed to start" });
  });
});
