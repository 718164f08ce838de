import type { Clock } from './clock.js';

export interface ScheduledTask {
  readonly name: string;
  /** Clock time the task runs next. */
  nextRun: number;
  /** Period for a recurring task; undefined for a one-shot. */
  readonly periodMs: number | undefined;
  cancelled: boolean;
}

interface Task extends ScheduledTask {
  fn: () => unknown;
}

/**
 * Periodic and delayed background work (flush, retention, checkpoints, file deletion) driven by an
 * injected clock. Nothing runs by itself: `runDue()` runs what is due at `clock.now()`, so tests
 * advance a ManualClock and call it; a server calls `startTimer()` to poll on a real interval.
 */
export class Scheduler {
  private tasks: Task[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly clock: Clock,
    private readonly onError: (task: string, err: unknown) => void = () => undefined,
  ) {}

  /** Runs fn once, delayMs from now. */
  scheduleOnce(name: string, delayMs: number, fn: () => unknown): ScheduledTask {
    return this.add({ name, nextRun: this.clock.now() + Math.max(0, delayMs), periodMs: undefined, cancelled: false, fn });
  }

  /** Runs fn every periodMs, first after initialDelayMs. */
  schedule(name: string, periodMs: number, fn: () => unknown, initialDelayMs = periodMs): ScheduledTask {
    return this.add({ name, nextRun: this.clock.now() + Math.max(0, initialDelayMs), periodMs: Math.max(1, periodMs), cancelled: false, fn });
  }

  private add(task: Task): ScheduledTask {
    this.tasks.push(task);
    return task;
  }

  cancel(task: ScheduledTask): void {
    task.cancelled = true;
    this.tasks = this.tasks.filter((t) => t !== task);
  }

  /** Tasks still scheduled. */
  get scheduled(): readonly ScheduledTask[] {
    return this.tasks;
  }

  /**
   * Runs every task due at the current clock time, earliest first, each at most once per call. A
   * failing task is reported to onError and does not stop the others. Concurrent calls share one run.
   */
  runDue(): Promise<void> {
    this.running ??= this.runDueOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runDueOnce(): Promise<void> {
    const now = this.clock.now();
    const due = this.tasks.filter((t) => t.nextRun <= now).sort((a, b) => a.nextRun - b.nextRun);
    for (const task of due) {
      if (task.cancelled) continue;
      if (task.periodMs === undefined) {
        this.tasks = this.tasks.filter((t) => t !== task);
      } else {
        // Skip missed periods instead of running a backlog after a long pause.
        task.nextRun = Math.max(task.nextRun + task.periodMs, now + 1);
      }
      try {
        await task.fn();
      } catch (err) {
        this.onError(task.name, err);
      }
    }
  }

  /** Polls runDue() on a real timer (for a server on the system clock); the timer does not keep Node alive. */
  startTimer(intervalMs = 100): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runDue(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
