import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Scheduler } from './scheduler.js';

describe('Scheduler', () => {
  it('runs periodic and one-shot tasks only when the clock says they are due', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    const s = new Scheduler(clock, (name) => errors.push(name));
    const runs: string[] = [];
    s.schedule('every-100', 100, () => runs.push(`p@${clock.now()}`));
    s.scheduleOnce('once-250', 250, () => runs.push(`o@${clock.now()}`));
    s.scheduleOnce('boom', 50, () => {
      throw new Error('x');
    });
    await s.runDue();
    expect(runs).toEqual([]);
    clock.advance(100);
    await s.runDue();
    clock.advance(100);
    await s.runDue();
    clock.advance(100);
    await s.runDue();
    // Earliest due first: the one-shot was due at 250, the periodic run at 300.
    expect(runs).toEqual(['p@100', 'p@200', 'o@300', 'p@300']);
    expect(errors).toEqual(['boom']);
    // A long pause runs a periodic task once, not once per missed period.
    clock.advance(1000);
    await s.runDue();
    expect(runs.filter((r) => r.startsWith('p@1300'))).toHaveLength(1);
    expect(s.scheduled.map((t) => t.name)).toEqual(['every-100']);
    s.cancel(s.scheduled[0]!);
    clock.advance(1000);
    await s.runDue();
    expect(runs).toHaveLength(5);
  });
});
