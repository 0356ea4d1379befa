/**
 * labels.tsv: one image per line, tab separated: file name, class index (integer >= 0),
 * optional further columns (e.g. the synset). Blank lines and lines starting with '#' are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { notRegularKind } from '../file-kind.js';
import type { Card } from './card.js';

/** 'given': an explicit labels file (--labels); 'data-folder': labels.tsv in the image folder; 'mnist': the idx labels file. */
export type LabelsSource = 'given' | 'data-folder' | 'mnist';

/**
 * The labels rule: an explicit labels file is always used; `labels.tsv` in the data folder only
 * when the model card declares a classifier (output kind logits/softmax with classes). Without a
 * card, or with a detection card, a folder's labels.tsv is ignored (a detector scored as an
 * ImageNet classifier reads 0 % top-1).
 */
export function folderLabelsAllowed(card: Pick<Card, 'output'> | undefined): boolean {
  return card?.output.kind === 'logits' || card?.output.kind === 'softmax';
}

export class LabelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelsError';
  }
}

export interface LabelRow {
  file: string;
  classIndex: number;
  /** Third column, if any (the ImageNet synset in ../shared). */
  synset?: string;
  /** 1-based line number in the labels file. */
  line: number;
}

export interface Labels {
  file: string;
  rows: LabelRow[];
  /** file name → class index */
  byFile: Map<string, number>;
}

/** Parse labels.tsv text; `file` is used in messages ("<file>:<line>: ..."). */
export function parseLabels(text: string, file: string): Labels {
  const rows: LabelRow[] = [];
  const byFile = new Map<string, number>();
  const firstLine = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const cols = raw.split('\t');
    const where = `${file}:${line}`;
    if (cols.length < 2) {
      throw new LabelsError(`${where}: expected '<file>\\t<class index>[\\t<synset>]' (tab separated), got ${JSON.stringify(raw)}`);
    }
    const name = cols[0]!.trim();
    const idxText = cols[1]!.trim();
    if (name === '') throw new LabelsError(`${where}: empty file name`);
    if (!/^\d+$/.test(idxText)) throw new LabelsError(`${where}: class index must be a non-negative integer, got ${JSON.stringify(cols[1])}`);
    const classIndex = Number(idxText);
    if (!Number.isSafeInteger(classIndex)) throw new LabelsError(`${where}: class index out of range: ${idxText}`);
    const prev = firstLine.get(name);
    if (prev !== undefined) throw new LabelsError(`${where}: duplicate entry for ${JSON.stringify(name)} (first on line ${prev})`);
    firstLine.set(name, line);
    byFile.set(name, classIndex);
    const synset = cols[2]?.trim();
    rows.push({ file: name, classIndex, synset: synset ? synset : undefined, line });
  }
  if (rows.length === 0) throw new LabelsError(`${file}: no label lines found`);
  return { file, rows, byFile };
}

/** Read a labels.tsv file. Errors name the file (and line number for bad lines). */
export function readLabels(file: string): Labels {
  const abs = path.resolve(file);
  let text: string;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new LabelsError(`${abs}: is ${notRegularKind(st)}, not a labels file (a labels.tsv text file is expected)`);
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof LabelsError) throw e;
    throw new LabelsError(`${abs}: cannot read labels file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseLabels(text, abs);
}
