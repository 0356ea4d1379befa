/**
 * Preprocessing as users give it (the Data page's form, the CLI's flags, a stored dataset): one
 * schema. The image pipeline (io/data/preprocess.ts) takes the result as its spec and checks
 * it against the model (channel count, output size).
 */
import { z } from 'zod';

export type ChannelOrder = 'RGB' | 'BGR' | 'GRAY';
/** A channel order as users write it (--channels, a card's channel_order): RGBA = RGB + alpha. */
export type ChannelOrderName = ChannelOrder | 'RGBA' | 'BGRA';
export const CHANNEL_ORDER_NAMES: readonly ChannelOrderName[] = ['RGB', 'BGR', 'GRAY', 'RGBA', 'BGRA'];

/** 'RGBA' → RGB + alpha, 'BGRA' → BGR + alpha, others as they are. */
export function splitChannelOrder(name: ChannelOrderName): { channelOrder: ChannelOrder; alpha: boolean } {
  if (name === 'RGBA') return { channelOrder: 'RGB', alpha: true };
  if (name === 'BGRA') return { channelOrder: 'BGR', alpha: true };
  return { channelOrder: name, alpha: false };
}

export function channelCount(order: ChannelOrderName, alpha = false): number {
  const { channelOrder, alpha: a } = splitChannelOrder(order);
  return (channelOrder === 'GRAY' ? 1 : 3) + (alpha || a ? 1 : 0);
}

const side = z.int('must be a positive integer').min(1, 'must be a positive integer').max(8192, 'must be at most 8192');

export const PreprocessFormSchema = z.object({
  resize: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('none') }),
    z.object({ mode: z.literal('shorter'), size: side }),
    z.object({ mode: z.literal('stretch'), width: side, height: side }),
  ]),
  centerCrop: z.object({ width: side, height: side }).optional(),
  channelOrder: z.enum(['RGB', 'BGR', 'GRAY']),
  /** the image's alpha as a last channel (RGBA/BGRA) */
  alpha: z.boolean().optional(),
  scale: z.number().finite(),
  mean: z.array(z.number('must be a number').finite('must be finite')).min(1, 'needs 1 to 4 values').max(4, 'needs 1 to 4 values'),
  std: z.array(z.number('must be a number').finite('must be finite').positive('must be positive')).min(1, 'needs 1 to 4 values').max(4, 'needs 1 to 4 values'),
  layout: z.enum(['NCHW', 'NHWC']),
});

export type PreprocessForm = z.infer<typeof PreprocessFormSchema>;

/** The form as the image pipeline's spec (resampled with lanczos3, as the model cards were measured). */
export function specFromForm(form: PreprocessForm): PreprocessForm & { resample: 'lanczos3' } {
  return { ...form, resample: 'lanczos3' };
}

/** The CLI's preprocessing flags (commander's camelCase names). */
export interface PreprocessFlags {
  resizeShorter?: number;
  resize?: [number, number];
  crop?: [number, number];
  channels?: ChannelOrderName;
  mean?: number[];
  std?: number[];
  pixelScale?: number;
  layout?: 'NCHW' | 'NHWC';
}

const FLAG_OF: Record<string, string> = {
  resize: '--resize/--resize-shorter',
  centerCrop: '--crop',
  channelOrder: '--channels',
  alpha: '--channels',
  scale: '--pixel-scale',
  mean: '--mean',
  std: '--std',
  layout: '--layout',
};

/** The flags as a form (undefined when none is given); throws naming the flag that is out of range. */
export function preprocessFromFlags(o: PreprocessFlags): PreprocessForm | undefined {
  const any = o.resizeShorter ?? o.resize ?? o.crop ?? o.channels ?? o.mean ?? o.std ?? o.pixelScale ?? o.layout;
  if (any === undefined) return undefined;
  const { channelOrder, alpha } = splitChannelOrder(o.channels ?? 'RGB');
  const n = channelCount(channelOrder, alpha);
  const input = {
    resize: o.resizeShorter ? { mode: 'shorter', size: o.resizeShorter } : o.resize ? { mode: 'stretch', width: o.resize[0], height: o.resize[1] } : { mode: 'none' },
    centerCrop: o.crop ? { width: o.crop[0], height: o.crop[1] } : undefined,
    channelOrder,
    alpha,
    scale: o.pixelScale ?? 1,
    mean: o.mean ?? new Array<number>(n).fill(0),
    std: o.std ?? new Array<number>(n).fill(1),
    layout: o.layout ?? 'NCHW',
  };
  const r = PreprocessFormSchema.safeParse(input);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => {
    const [head, ...rest] = i.path;
    const where = `${String(head)}${rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
    let got: unknown = input;
    for (const k of i.path) got = got !== null && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[k] : undefined;
    return `${FLAG_OF[String(head)] ?? String(head)}: ${where} ${i.message}, got ${JSON.stringify(got)}`;
  });
  throw new Error(`invalid preprocessing: ${why.join('; ')}`);
}
