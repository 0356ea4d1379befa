/** The Data page's preprocessing fields: filled from a card with readable numbers, read back exactly. */
import { expect, it } from 'vitest';
import type { PreprocessForm } from '../../src-main/contract/app-types.js';
import { fmtNum, fmtScale, fromFields, parseNum, toFields } from '../../src-renderer/src/pages/preprocess-fields.js';

const squeezenet: PreprocessForm = {
  resize: { mode: 'shorter', size: 227 },
  centerCrop: { width: 227, height: 227 },
  channelOrder: 'BGR',
  scale: 1,
  mean: [103.94, 116.78, 123.68],
  std: [1, 1, 1],
  layout: 'NCHW',
};
const scaled: PreprocessForm = { ...squeezenet, scale: 1 / 255, mean: [103.94 / 255, 116.78 / 255, 123.68 / 255] };

it('shows 1/255 as a fraction and long decimals rounded to 6 significant digits', () => {
  expect(fmtScale(1 / 255)).toBe('1/255');
  expect(fmtScale(0.0039215686274509803)).toBe('1/255');
  expect(fmtScale(1)).toBe('1');
  expect(fmtScale(0.017)).toBe('0.017');
  expect(fmtNum(103.94 / 255)).toBe('0.407608');
  expect(fmtNum(0.485)).toBe('0.485');
});

it('fills every field from the card', () => {
  expect(toFields(squeezenet)).toEqual({
    resizeMode: 'shorter',
    size: 227,
    width: 227,
    height: 227,
    useCrop: true,
    crop: 227,
    channelOrder: 'BGR',
    scale: '1',
    mean: '103.94, 116.78, 123.68',
    std: '1, 1, 1',
    layout: 'NCHW',
  });
  expect(toFields(scaled).scale).toBe('1/255');
  expect(toFields(scaled).mean).toBe('0.407608, 0.457961, 0.48502');
});

it('untouched fields keep the exact values; edited ones are parsed', () => {
  const f = toFields(scaled);
  expect(fromFields(f, scaled)).toEqual(scaled);
  expect(fromFields({ ...f, scale: '1/127.5', mean: '0.5, 0.5, 0.5' }, scaled)).toMatchObject({ scale: 1 / 127.5, mean: [0.5, 0.5, 0.5] });
  expect(parseNum(' 2e-3 ')).toBe(0.002);
  expect(() => fromFields({ ...f, scale: 'abc' }, scaled)).toThrow("Pixel scale: 'abc' is not a number (write e.g. 0.5 or 1/255)");
  expect(() => fromFields({ ...f, mean: '1, x, 3' }, scaled)).toThrow("Mean: ' x' is not a number");
});
