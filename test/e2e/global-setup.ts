/** Builds the web renderer (out/renderer) once before the e2e files, if missing or stale. */
import { ensureRendererBuilt } from '../../src-main/server/renderer-build.js';

export default function setup(): void {
  if (ensureRendererBuilt({ quiet: true })) console.log('[e2e] built the renderer (out/renderer)');
}
