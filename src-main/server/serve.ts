/**
 * Web mode as one call: the app service on a data folder, its dispatcher, and the web server
 * serving the built renderer. Used by `easyquant serve` and by the end-to-end tests.
 */
import fs from 'node:fs';
import path from 'node:path';
export { defaultDataDir } from '../app/data-root.js';
import { createDispatcher } from '../app/dispatch.js';
import { loadDemoRunner } from '../app/demo-bridge.js';
import { AppService } from '../app/app-service.js';
import { terminateAllJobs } from '../app/worker-pool.js';
import { defaultDataDir } from '../app/data-root.js';
import { ensureRendererBuilt, PROJECT_ROOT, RENDERER_OUT } from './renderer-build.js';
import { startWebServer, type WebServer } from './web-server.js';

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  rendererDir?: string;
  /** build out/renderer if missing or stale (default true) */
  build?: boolean;
  version?: string;
}

export interface RunningApp {
  server: WebServer;
  service: AppService;
  close(): Promise<void>;
}

export async function serveApp(opts: ServeOptions = {}): Promise<RunningApp> {
  const rendererDir = opts.rendererDir ?? RENDERER_OUT;
  const version = opts.version ?? (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  // the data folder first: a folder another server holds (DataLockError) fails before a build
  const service = new AppService({ dataRoot: opts.dataDir ?? defaultDataDir(), mode: 'web', version });
  let server: WebServer;
  try {
    if (opts.build !== false && !opts.rendererDir) ensureRendererBuilt({ quiet: true });
    const dispatch = createDispatcher(service, { demo: await loadDemoRunner() });
    server = await startWebServer({ dispatch, events: service.events, rendererDir, port: opts.port, files: service });
  } catch (e) {
    await service.close();
    throw e;
  }
  return {
    server,
    service,
    close: async () => {
      await server.close();
      // every worker (calibration, evaluation, inspect…) ends now, not when its job would
      await terminateAllJobs();
      await service.close();
    },
  };
}
