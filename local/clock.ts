/**
 * Time as the local runtime and the simulator see it. Real time for `npm start`; virtual time for tests, where the
 * runtime jumps to the next due timer whenever nothing else is in flight, so a 30-minute upgrade runs in moments.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once the clock reaches `at` (epoch ms). Returns a function that cancels it. */
  at(at: number, fn: () => void): () => void;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  at(at: number, fn: () => void): () => void {
    // setTimeout caps at 2^31-1 ms; re-arm for longer waits.
    const maxDelay = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const delay = at - Date.now();
      handle = delay > maxDelay ? setTimeout(arm, maxDelay) : setTimeout(fn, Math.max(0, delay));
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface Due {
  at: number;
  seq: number;
  fn: () => void;
}

/** Virtual time: stands still until advanced; `advanceToNext` jumps to the earliest pending callback. */
export class VirtualClock implements Clock {
  private current: number;
  private pending: Due[] = [];
  private seq = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): () => void {
    const due: Due = { at, seq: this.seq++, fn };
    this.pending.push(due);
    this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return () => {
      this.pending = this.pending.filter((d) => d !== due);
    };
  }

  /** Epoch ms of the earliest pending callback, if any. */
  nextDue(): number | undefined {
    return this.pending[0]?.at;
  }

  /** Moves time forward to `to` (never backward), firing every callback due on the way, in order. */
  advanceTo(to: number): void {
    for (;;) {
      const next = this.pending[0];
      if (!next || next.at > to) break;
      this.pending.shift();
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = Math.max(this.current, to);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Jumps to the earliest pending callback and fires everything due then. False when nothing is pending. */
  advanceToNext(): boolean {
    const next = this.nextDue();
    if (next === undefined) return false;
    this.advanceTo(next);
    return true;
  }
}
