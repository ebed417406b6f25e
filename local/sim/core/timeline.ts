import type { Clock } from "../../clock.js";

interface Scheduled {
  at: number;
  seq: number;
  fn: (at: number) => void;
}

/**
 * A lazy event queue: nothing fires on its own. Every entry point calls `sync()`, which runs the events that are due
 * by `clock.now()` in time order, each seeing its own time as `now()`. A virtual clock that jumps therefore plays
 * the simulated history in order, and no timer is left armed on the clock.
 */
export class Timeline {
  private events: Scheduled[] = [];
  private seq = 0;
  private current: number;

  constructor(private readonly clock: Clock) {
    this.current = clock.now();
  }

  /** The model's present: the time of the event being run, else the clock's time at the last sync. */
  now(): number {
    return this.current;
  }

  schedule(at: number, fn: (at: number) => void): () => void {
    const event: Scheduled = { at, seq: this.seq++, fn };
    const index = this.events.findIndex((e) => e.at > at);
    if (index === -1) this.events.push(event);
    else this.events.splice(index, 0, event);
    return () => {
      this.events = this.events.filter((e) => e !== event);
    };
  }

  sync(): void {
    const target = this.clock.now();
    for (;;) {
      const next = this.events[0];
      if (!next || next.at > target) break;
      this.events.shift();
      this.current = Math.max(this.current, next.at);
      next.fn(this.current);
    }
    this.current = Math.max(this.current, target);
  }

  pending(): number {
    return this.events.length;
  }
}
