import type { Clock } from '../services.js';
import type { Scheduler } from './group/scheduler.js';

/** Node timers cap at 2^31-1 ms; a longer delay is waited out in several hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The group coordinator's time source in the broker: the broker's clock for "now" (so a test that
 * gives startBroker a clock also moves commit timestamps and offset expiry) and real timers for the
 * deadlines. Timers are unref'd: a pending session deadline never keeps the process alive.
 */
export function clockScheduler(clock: Clock): Scheduler {
  return {
    now: () => clock.now(),
    schedule(delayMs, task) {
      let timer: NodeJS.Timeout | undefined;
      let cancelled = false;
      const arm = (remaining: number) => {
        const step = Math.min(Math.max(0, remaining), MAX_TIMER_MS);
        timer = setTimeout(() => {
          if (cancelled) return;
          if (remaining > step) arm(remaining - step);
          else task();
        }, step);
        timer.unref();
      };
      arm(delayMs);
      return {
        cancel: () => {
          cancelled = true;
          clearTimeout(timer);
        },
      };
    },
  };
}
