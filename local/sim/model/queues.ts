export interface QueueRow {
  name: string;
  messages: number;
  consumers: number;
}

interface QueueState {
  name: string;
  deadLetter: boolean;
  base: number;
  baseAt: number;
}

export const DEFAULT_QUEUES: Readonly<Record<string, number>> = {
  "ingestion-data-set": 240,
  "commit-data-set": 35,
  clue_datasource_process_5f1c2a9e: 0,
  "CluedIn.Core.Messages.Processing.ProcessBigClueCommand": 0,
  "CluedIn.Core.Messages.Processing.ProcessPrioritizedClueCommand": 12,
  "CluedIn.Core.Messages.Processing.ProcessLowPriorityClueCommand": 0,
  "RemoteEvents_cluedin-server": 0,
  DeadLetterCommands: 3,
  CluedIn_DeadLetterMessages_Processing: 0,
};

export function isDeadLetterQueue(name: string): boolean {
  return /deadletter/i.test(name);
}

export interface QueueConditions {
  draining: boolean;
  deadLetterGrowth: boolean;
}

/**
 * RabbitMQ queue depths as straight lines between changes of conditions: processing queues drain at a rate while
 * consumers run, dead-letter queues stay put (or grow with the fault). A change of conditions rebases every line.
 */
export class Queues {
  private readonly queues: QueueState[];
  private conditions: QueueConditions;

  constructor(
    initial: Readonly<Record<string, number>>,
    at: number,
    conditions: QueueConditions,
    private readonly drainPerMs: number,
    private readonly growthPerMs: number,
  ) {
    this.queues = Object.entries(initial).map(([name, depth]) => ({
      name,
      deadLetter: isDeadLetterQueue(name),
      base: depth,
      baseAt: at,
    }));
    this.conditions = conditions;
  }

  setConditions(conditions: QueueConditions, at: number): void {
    for (const queue of this.queues) {
      queue.base = this.depth(queue, at);
      queue.baseAt = at;
    }
    this.conditions = conditions;
  }

  rows(t: number, consumersUp: boolean): QueueRow[] {
    return this.queues.map((queue) => ({
      name: queue.name,
      messages: this.depth(queue, t),
      consumers:
        queue.deadLetter || !consumersUp || !this.conditions.draining
          ? 0
          : queue.name.startsWith("RemoteEvents")
            ? 1
            : 2,
    }));
  }

  private depth(queue: QueueState, t: number): number {
    const elapsed = Math.max(0, t - queue.baseAt);
    if (queue.deadLetter) {
      return this.conditions.deadLetterGrowth ? queue.base + Math.floor(elapsed * this.growthPerMs) : queue.base;
    }
    return this.conditions.draining ? Math.max(0, Math.ceil(queue.base - elapsed * this.drainPerMs)) : queue.base;
  }
}
