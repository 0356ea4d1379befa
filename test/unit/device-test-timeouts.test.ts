/** The device tests' timeouts scale with the machine's load (test/device/helpers/timeouts.ts). */
import { describe, expect, it } from 'vitest';
import { scaled, timeoutFactor } from '../device/helpers/timeouts.js';

describe('device-test timeouts', () => {
  it('an idle machine keeps the base timeout', () => {
    expect(scaled(20_000, { loadavg: [0.3, 0.5, 0.4], cores: 2 })).toBe(20_000);
  });

  it('load 7–11 on 2 cores multiplies it by the run queue per core (the larger of the 1- and 5-minute averages)', () => {
    expect(timeoutFactor({ loadavg: [11, 7, 3], cores: 2 })).toBe(5.5);
    expect(scaled(20_000, { loadavg: [7, 11, 3], cores: 2 })).toBe(110_000);
  });

  it('EQ_TEST_TIMEOUT_FACTOR raises it, never lowers it; junk is ignored', () => {
    expect(scaled(1000, { loadavg: [0, 0, 0], cores: 2, envFactor: '3' })).toBe(3000);
    expect(scaled(1000, { loadavg: [8, 8, 8], cores: 2, envFactor: '0.5' })).toBe(4000);
    expect(scaled(1000, { loadavg: [0, 0, 0], cores: 2, envFactor: 'fast' })).toBe(1000);
  });
});
