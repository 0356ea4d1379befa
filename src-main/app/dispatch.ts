/**
 * Validates a (method, params) call against API_SCHEMAS and runs it on the AppService.
 * Never throws: every failure becomes an ApiErrorPayload, so a malformed payload from a
 * renderer cannot take the main process or the server down.
 */
import type { z } from 'zod';
import { StoreError } from '../store/project-store.js';
import type { ApiErrorPayload, ApiResults } from '../contract/app-api.js';
import { API_SCHEMAS, isApiMethod, type ApiMethod } from '../contract/app-schemas.js';
import { AppService, UserError } from './app-service.js';

type Parsed<K extends ApiMethod> = z.output<(typeof API_SCHEMAS)[K]>;
type Handlers = { [K in ApiMethod]: (p: Parsed<K>) => ApiResults[K] | Promise<ApiResults[K]> };

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload };

export type DemoRunner = (svc: AppService) => Promise<ApiResults['demo.open']>;

/** Errors about the user's input (files, settings), answered as user_error like UserError. */
const INPUT_ERRORS = new Set(['DatasetError', 'CardError', 'PreprocessSpecError', 'LabelsError', 'InputShapeError', 'CalibSettingsError', 'DiskFullError']);

/** The message without stack frames (`    at …` lines), which stay in the log. */
function clientMessage(e: Error): string {
  const msg = String(e.message ?? e)
    .split('\n')
    .filter((l) => !/^\s+at\s/.test(l))
    .join('\n')
    .trim();
  return msg || 'internal error';
}

export function createDispatcher(svc: AppService, extra: { demo?: DemoRunner } = {}): (method: unknown, params: unknown) => Promise<DispatchResult> {
  const h: Handlers = {
    'app.info': async () => ({ ...(await svc.info()), demoAvailable: !!extra.demo }),
    'app.ping': () => ({ t: Date.now() }),
    'projects.list': () => svc.listProjects(),
    'projects.create': (p) => svc.createProject(p.name, p.model, p.card),
    'projects.get': (p) => svc.project(p.projectId),
    'projects.delete': (p) => {
      svc.deleteProject(p.projectId);
      return { ok: true };
    },
    'model.inspect': (p) => svc.inspect(p.projectId),
    'data.set': (p) => svc.setDataset(p.projectId, p.dataDir, p.labelsFile, p.preprocess),
    'data.preview': (p) => svc.preview(p.projectId, p.index),
    'calib.start': (p) => svc.startCalibration(p.projectId, p.settings),
    'calib.cancel': (p) => {
      const run = svc.store.getRun(p.runId); // StoreError 'no calibration run with id …' for an unknown id
      if (run.status !== 'running') throw new UserError(`run ${p.runId} is not running (it is ${run.status})`);
      return svc.cancelCalibration(p.runId);
    },
    'calib.resume': (p) => svc.resumeCalibration(p.runId),
    'results.evaluate': (p) => svc.evaluate(p.projectId, p.limit, p.runIds, { engine: p.engine, heldOut: p.heldOut }),
    'results.histogram': (p) => svc.histogram(p.projectId, p.layer),
    'exports.create': (p) => svc.exportRun(p.projectId, p.runId, p.formats),
    'devices.list': () => svc.listDevices(),
    'devices.add': (p) => svc.addDevice(p.name, p.config, p.secret),
    'devices.remove': (p) => {
      svc.removeDevice(p.deviceId);
      return { ok: true };
    },
    'devices.test': (p) => svc.testDevice(p.deviceId),
    'profile.run': (p) => svc.profile(p.projectId, p.deviceIds, p.runId, p.compare),
    'profile.list': (p) => svc.listProfiles(p.projectId),
    'devices.results': (p) => svc.deviceResults(p.deviceId),
    'demo.open': () => {
      if (!extra.demo) throw new UserError('the demo project is not available in this build (src-main/demo is missing)');
      return extra.demo(svc);
    },
    'engine.status': () => svc.engineStatus(),
    'engine.build': () => svc.buildEngine(),
    'results.images': (p) => svc.reviewImages(p.projectId, p.runId, p.limit),
    'model.graph': (p) => svc.modelGraph(p.projectId, p.collapse),
    'model.size': (p) => svc.modelSize(p.projectId, p.runId),
    'files.list': (p) => svc.listFiles(p.path),
    'bench.host': (p) => svc.hostBench(p),
    'projects.setModel': (p) => svc.setModel(p.projectId, p.model, p.card),
    'precision.get': (p) => svc.getLayerPrecision(p.projectId),
    'precision.set': (p) => svc.setLayerPrecision(p.projectId, p.layers),
    'precision.search': (p) => svc.searchPrecision(p),
  };

  return async (method, params) => {
    if (!isApiMethod(method)) return { ok: false, error: { code: 'bad_request', message: `unknown method ${JSON.stringify(method)}` } };
    const parsed = API_SCHEMAS[method].safeParse(params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'bad_request', message: `invalid parameters for ${method}: ${issues}` } };
    }
    try {
      const handler = h[method] as (p: unknown) => unknown;
      return { ok: true, result: await handler(parsed.data) };
    } catch (e) {
      const err = e as Error;
      if (err instanceof UserError || err instanceof StoreError || INPUT_ERRORS.has(err.name)) return { ok: false, error: { code: 'user_error', message: err.message } };
      // SQLite rolled the statement back: the project is as it was
      if ((err as { code?: unknown }).code === 'SQLITE_FULL')
        return {
          ok: false,
          error: { code: 'user_error', message: `no space left on the disk of the data folder: ${method} was not saved (the project is unchanged); free some space and try again` },
        };
      console.error(`[easyquant] ${method} failed: ${err.stack ?? err.message}`);
      return { ok: false, error: { code: 'internal', message: clientMessage(err) } };
    }
  };
}
