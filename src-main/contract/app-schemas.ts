/**
 * zod schemas of every service method's parameters. Both transports (Electron IPC and the
 * web server) validate incoming payloads against these before anything runs. Imports only zod,
 * so the renderer can take the parameter types with `import type`.
 */
import { z } from 'zod';
import { deviceNameSchema } from './device.js';
import { CalibRunSettingsSchema } from './calib-settings.js';
import { PreprocessFormSchema } from './preprocess.js';

const id = z.string().min(1).max(100);
const filePath = z.string().min(1, 'a path is required').max(4096);

const DeviceConfigSchema = z.discriminatedUnion('transport', [
  z.object({
    transport: z.literal('ssh'),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    user: z.string().min(1).max(64),
    keyPath: z.string().max(4096).optional(),
    dir: z.string().min(1).max(4096).optional(),
  }),
  z.object({ transport: z.literal('serial'), path: filePath, baud: z.number().int().min(300).max(4_000_000) }),
]);

const none = z.object({}).strict();

export const API_SCHEMAS = {
  'app.info': none,
  'app.ping': none,
  'projects.list': none,
  'projects.create': z.object({ name: z.string().min(1, 'a project needs a name').max(200), model: filePath, card: filePath.optional() }).strict(),
  'projects.get': z.object({ projectId: id }).strict(),
  'projects.delete': z.object({ projectId: id }).strict(),
  'model.inspect': z.object({ projectId: id }).strict(),
  'data.set': z.object({ projectId: id, dataDir: filePath, labelsFile: filePath.optional(), preprocess: PreprocessFormSchema.optional() }).strict(),
  'data.preview': z.object({ projectId: id, index: z.number().int().min(0) }).strict(),
  'calib.start': z.object({ projectId: id, settings: CalibRunSettingsSchema }).strict(),
  'calib.cancel': z.object({ runId: id }).strict(),
  'calib.resume': z.object({ runId: id }).strict(),
  'results.evaluate': z
    .object({
      projectId: id,
      limit: z.number().int().min(1).max(100000),
      runIds: z.array(id).optional(),
      /** default: native when the addon loads, else int-ref */
      engine: z.enum(['native', 'int-ref', 'sim', 'ort-qdq']).optional(),
      /** leave out the calibration images (default) */
      heldOut: z.boolean().default(true),
    })
    .strict(),
  'results.histogram': z.object({ projectId: id, layer: z.string().min(1).max(500) }).strict(),
  'exports.create': z.object({ projectId: id, runId: id, formats: z.array(z.enum(['scales', 'ncnn', 'trt', 'qdq', 'eqm'])).min(1) }).strict(),
  'devices.list': none,
  'devices.add': z.object({ name: deviceNameSchema, config: DeviceConfigSchema, secret: z.string().max(4096).optional() }).strict(),
  'devices.remove': z.object({ deviceId: id }).strict(),
  'devices.test': z.object({ deviceId: id }).strict(),
  'profile.run': z
    .object({ projectId: id, deviceIds: z.array(id).min(1, 'choose at least one device'), runId: id, compare: z.array(z.enum(['int8', 'int7', 'fp32'])).default(['int8']) })
    .strict(),
  'profile.list': z.object({ projectId: id }).strict(),
  'devices.results': z.object({ deviceId: id }).strict(),
  'demo.open': none,
  'engine.status': none,
  'engine.build': none,
  'results.images': z.object({ projectId: id, runId: id, limit: z.number().int().min(1).max(10000).default(200) }).strict(),
  'model.graph': z.object({ projectId: id, collapse: z.boolean().default(false) }).strict(),
  'model.size': z.object({ projectId: id, runId: id.optional() }).strict(),
  'files.list': z.object({ path: filePath.optional() }).strict(),
  'bench.host': z
    .object({
      projectId: id,
      runId: id,
      compare: z.array(z.enum(['int8', 'int7', 'fp32'])).default(['int8', 'int7', 'fp32']),
      threads: z.number().int().min(1).max(256).default(1),
      runs: z.number().int().min(1).max(1000).default(20),
      warmup: z.number().int().min(0).max(100).default(2),
    })
    .strict(),
  'projects.setModel': z.object({ projectId: id, model: filePath, card: filePath.optional() }).strict(),
  'precision.get': z.object({ projectId: id }).strict(),
  'precision.set': z
    .object({ projectId: id, layers: z.record(z.string().min(1).max(500), z.enum(['fp32', 'int8', 'int7'])).refine((m) => Object.keys(m).length <= 10000, 'at most 10000 layers') })
    .strict(),
  'precision.search': z
    .object({
      projectId: id,
      budget: z.string().min(1).max(100).default('top1>=0.99*fp32'),
      searchImages: z.number().int().min(1).max(100000).default(200),
      runs: z.number().int().min(1).max(1000).default(20),
      isa: z.enum(['scalar', 'avx2', 'avx512vnni', 'amx', 'neon', 'dotprod']).optional(),
    })
    .strict(),
} as const;

export type ApiMethod = keyof typeof API_SCHEMAS;
export type ApiParams = { [K in ApiMethod]: z.input<(typeof API_SCHEMAS)[K]> };

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(API_SCHEMAS, m);
}
