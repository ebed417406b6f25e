import { describe, expect, it } from "vitest";
import {
  beginDataUpgrade,
  nextDataUpgradeMove,
  type DataUpgradeEvent,
  type DataUpgradeMove,
  type DataUpgradeProgress,
  type DataUpgradeStep,
} from "../../../lib/workflow/dataUpgrade.js";

const at = (step: DataUpgradeStep, tries: Partial<Record<DataUpgradeStep, number>> = {}): DataUpgradeProgress => ({
  step,
  attempts: { "upgrade-mode": 1, "data-upgrade": 0, finalize: 0, ...tries },
});
const ended = (ok: boolean, cancelRequested = false): DataUpgradeEvent => ({ kind: "step-ended", ok, cancelRequested });
const answered = (choice: string, timedOut = false): DataUpgradeEvent => ({
  kind: "operator-answered",
  choice,
  timedOut,
});

describe("the data upgrade's steps", () => {
  it("begins with the Helm upgrade in upgrade mode, first attempt", () => {
    expect(beginDataUpgrade().move).toEqual({
      kind: "run",
      step: "upgrade-mode",
      attempt: 1,
      clearPendingFirst: false,
    });
  });

  const table: [string, DataUpgradeProgress, DataUpgradeEvent, DataUpgradeMove][] = [
    [
      "upgrade mode done -> data upgrade",
      at("upgrade-mode"),
      ended(true),
      { kind: "run", step: "data-upgrade", attempt: 1, clearPendingFirst: false },
    ],
    [
      "data upgrade answered -> finalize",
      at("data-upgrade", { "data-upgrade": 1 }),
      ended(true),
      { kind: "run", step: "finalize", attempt: 1, clearPendingFirst: false },
    ],
    ["finalize done -> verify", at("finalize", { "data-upgrade": 1, finalize: 1 }), ended(true), { kind: "verify" }],
    [
      "finalize done with a cancel pending -> verify all the same (out of upgrade mode)",
      at("finalize", { "data-upgrade": 1, finalize: 1 }),
      ended(true, true),
      { kind: "verify" },
    ],
    [
      "a cancel after upgrade mode halts before the data upgrade",
      at("upgrade-mode"),
      ended(true, true),
      { kind: "halt", step: "upgrade-mode", why: "cancelled" },
    ],
    [
      "a cancel after the data upgrade halts before finalize",
      at("data-upgrade", { "data-upgrade": 1 }),
      ended(true, true),
      { kind: "halt", step: "data-upgrade", why: "cancelled" },
    ],
    [
      "a failed step asks an operator",
      at("data-upgrade", { "data-upgrade": 1 }),
      ended(false),
      { kind: "ask", step: "data-upgrade" },
    ],
    [
      "a failure asks even with a cancel pending",
      at("upgrade-mode"),
      ended(false, true),
      { kind: "ask", step: "upgrade-mode" },
    ],
    [
      "retry of the data upgrade: the same step again, next attempt, nothing to clear",
      at("data-upgrade", { "data-upgrade": 1 }),
      answered("retry"),
      { kind: "run", step: "data-upgrade", attempt: 2, clearPendingFirst: false },
    ],
    [
      "retry of a Helm step clears a pending release first",
      at("upgrade-mode"),
      answered("retry"),
      { kind: "run", step: "upgrade-mode", attempt: 2, clearPendingFirst: true },
    ],
    [
      "finalize anyway after a failed data upgrade: straight to finalize, never the data upgrade again",
      at("data-upgrade", { "data-upgrade": 1 }),
      answered("finalize"),
      { kind: "run", step: "finalize", attempt: 1, clearPendingFirst: false },
    ],
    [
      "finalize anyway after a failed upgrade-mode helm clears its pending release first",
      at("upgrade-mode"),
      answered("finalize"),
      { kind: "run", step: "finalize", attempt: 1, clearPendingFirst: true },
    ],
    [
      "finalize again after a failed finalize: next attempt",
      at("finalize", { "data-upgrade": 1, finalize: 1 }),
      answered("finalize"),
      { kind: "run", step: "finalize", attempt: 2, clearPendingFirst: true },
    ],
    [
      "stop halts",
      at("data-upgrade", { "data-upgrade": 1 }),
      answered("stop"),
      { kind: "halt", step: "data-upgrade", why: "stopped" },
    ],
    [
      "no answer before the deadline halts and says so",
      at("data-upgrade", { "data-upgrade": 1 }),
      answered("none", true),
      { kind: "halt", step: "data-upgrade", why: "no-decision" },
    ],
  ];

  it.each(table)("%s", (_name, progress, event, move) => {
    expect(nextDataUpgradeMove(progress, event).move).toEqual(move);
  });

  it("keeps the rule of a run started before finalize-anyway cleared pending releases (orchestration version < 2.0)", () => {
    const rules = { clearPendingBeforeFinalizeAnyway: false };
    expect(nextDataUpgradeMove(at("upgrade-mode"), answered("finalize"), rules).move).toEqual({
      kind: "run",
      step: "finalize",
      attempt: 1,
      clearPendingFirst: false,
    });
    expect(nextDataUpgradeMove(at("upgrade-mode"), answered("retry"), rules).move).toMatchObject({
      clearPendingFirst: true,
    });
  });

  it("counts attempts per step across retries", () => {
    let turn = beginDataUpgrade();
    turn = nextDataUpgradeMove(turn.progress, ended(true));
    turn = nextDataUpgradeMove(turn.progress, ended(false));
    turn = nextDataUpgradeMove(turn.progress, answered("retry"));
    turn = nextDataUpgradeMove(turn.progress, ended(false));
    turn = nextDataUpgradeMove(turn.progress, answered("retry"));
    expect(turn.move).toEqual({ kind: "run", step: "data-upgrade", attempt: 3, clearPendingFirst: false });
    expect(turn.progress.attempts).toEqual({ "upgrade-mode": 1, "data-upgrade": 3, finalize: 0 });
  });
});
