/** The Calibrate page's ETA: smoothed, counting down between events, none before the search. */
import { expect, it } from 'vitest';
import { EtaSmoother } from '../../src-renderer/src/pages/eta.js';

const min = 60_000;

it('no ETA during capture (its estimate covers the capture only)', () => {
  const s = new EtaSmoother();
  s.event({ stage: 'capture', etaMs: 15 * min }, 0);
  expect(s.etaAt(1000)).toBeUndefined();
});

it('counts down between events', () => {
  const s = new EtaSmoother();
  s.event({ stage: 'search', etaMs: 10 * min }, 0);
  expect(s.etaAt(0)).toBe(10 * min);
  expect(s.etaAt(30_000)).toBe(9.5 * min);
  expect(s.etaAt(11 * min)).toBe(0);
});

it('damps a jumpy estimate: 15 → 151 → 47 → 11 min does not jump to 151', () => {
  const s = new EtaSmoother();
  const raw = [15, 151, 47, 11, 10, 9, 8];
  const shown: number[] = [];
  raw.forEach((m, i) => {
    s.event({ stage: 'search', etaMs: m * min }, i * min);
    shown.push(s.etaAt(i * min)! / min);
  });
  expect(Math.max(...shown)).toBeLessThan(40);
  // and it follows a consistent estimate down
  for (let i = 4; i < shown.length; i++) expect(shown[i]!).toBeLessThan(shown[i - 1]!);
  expect(shown.at(-1)!).toBeLessThan(35);
});

it('a steady run gives a steady ETA', () => {
  const s = new EtaSmoother();
  // 20 min total, an event every 2 min with an exact estimate
  for (let t = 0; t <= 18; t += 2) s.event({ stage: 'search', etaMs: (20 - t) * min }, t * min);
  expect(s.etaAt(18 * min)).toBeCloseTo(2 * min, -2);
  expect(s.etaAt(19 * min)).toBeCloseTo(1 * min, -2);
});
