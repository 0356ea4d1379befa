/** --data and --input-shape for multi-input models: `<input>=<folder>` / `<input>=dims`, repeatable. */
import { describe, expect, it } from 'vitest';
import { collectData, dataFrom } from '../../src-main/cli/data-option.js';
import { inputShapeArg, type InputShapeArg } from '../../src-main/cli/parse.js';

const shapes = (...vs: string[]) => vs.reduce<InputShapeArg | undefined>((prev, v) => inputShapeArg('--input-shape')(v, prev), undefined);

describe('--input-shape', () => {
  it('a bare shape is the first input, name=dims any input', () => {
    expect(shapes('1,3,8,8')).toEqual({ inputShape: [1, 3, 8, 8] });
    expect(shapes('1,3,8,8', 'b=1,2,4,4', 'c=2')).toEqual({ inputShape: [1, 3, 8, 8], inputShapes: { b: [1, 2, 4, 4], c: [2] } });
  });

  it('refuses a repeated input, two bare shapes, an empty name and bad dims', () => {
    expect(() => shapes('b=1', 'b=2')).toThrow("--input-shape: input 'b' is given twice");
    expect(() => shapes('1,2', '1,3')).toThrow('--input-shape without an input name is given twice');
    expect(() => shapes('=1,2')).toThrow("--input-shape '=1,2': the input name before '=' is empty");
    expect(() => shapes('b=1,x')).toThrow("--input-shape must be comma-separated positive integers, e.g. 1,3,224,224 (got '1,x')");
  });
});

describe('--data', () => {
  const all = (...vs: string[]) => vs.reduce<string[] | undefined>((p, v) => collectData(v, p), undefined)!;

  it('one folder as it is, or one <input>=<folder> per input', () => {
    expect(dataFrom(all('imgs'))).toEqual({ data: 'imgs' });
    expect(dataFrom(all('a=dA', 'b=dB'))).toEqual({ data: 'dA', inputData: { a: 'dA', b: 'dB' } });
    expect(dataFrom(all('x:0=d=1'))).toEqual({ data: 'd=1', inputData: { 'x:0': 'd=1' } });
  });

  it('refuses a plain folder among several and a repeated input', () => {
    expect(() => dataFrom(all('a=dA', 'plain'))).toThrow("--data 'plain': with several --data options each must be <input>=<folder> (one per model input)");
    expect(() => dataFrom(all('a=dA', 'a=dB'))).toThrow("--data: input 'a' is given twice");
  });
});
