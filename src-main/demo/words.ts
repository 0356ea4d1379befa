/**
 * Vocabulary of the demo's rendered text lines: common English words, some capitalised, plus
 * numbers and codes (the kinds of strings a text detector sees on signs, labels and documents).
 */
import type { Rng } from '../core/synth/rng.js';

const WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what ' +
  'all were we when your can said there use an each which she do how their if will up other about out many then them these so ' +
  'some her would make like him into time has look two more write go see number no way could people my than first water been ' +
  'call who oil its now find long down day did get come made may part over new sound take only little work know place year live ' +
  'me back give most very after thing our just name good sentence man think say great where help through much before line right ' +
  'too mean old any same tell boy follow came want show also around form three small set put end does another well large must ' +
  'big even such because turn here why ask went men read need land different home us move try kind hand picture again change off ' +
  'play spell air away animal house point page letter mother answer found study still learn should world high every near add food ' +
  'between own below country plant last school father keep tree never start city earth eye light thought head under story saw left ' +
  'open exit sale price total station market coffee bakery hotel parking street north south east west platform ticket menu model ' +
  'quantize engine kernel tensor layer scale offset detect border window garden river bridge winter summer spring autumn'
).split(' ');

function code(r: Rng): string {
  const kinds = [
    () => String(Math.floor(r() * 10000)),
    () => `${Math.floor(r() * 90 + 10)}.${Math.floor(r() * 90 + 10)}`,
    () => `${String.fromCharCode(65 + Math.floor(r() * 26))}${String.fromCharCode(65 + Math.floor(r() * 26))}-${Math.floor(r() * 900 + 100)}`,
    () => `${Math.floor(r() * 24)}:${String(Math.floor(r() * 60)).padStart(2, '0')}`,
  ];
  return kinds[Math.floor(r() * kinds.length)]!();
}

/** One random word (lower case, Capitalised or UPPER), or now and then a number/code. */
export function randomWord(r: Rng): string {
  if (r() < 0.12) return code(r);
  const w = WORDS[Math.floor(r() * WORDS.length)]!;
  const c = r();
  if (c < 0.2) return w.toUpperCase();
  if (c < 0.55) return w[0]!.toUpperCase() + w.slice(1);
  return w;
}

/** A text line of `n` random words. */
export function randomLine(r: Rng, n: number): string {
  return Array.from({ length: n }, () => randomWord(r)).join(' ');
}
