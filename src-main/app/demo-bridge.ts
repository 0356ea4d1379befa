/**
 * "Open demo project" is offered when the embedded demo module (src-main/demo) loads.
 */
import type { DemoRunner } from './dispatch.js';
import { openDemoProject } from './demo.js';

export async function loadDemoRunner(): Promise<DemoRunner | undefined> {
  try {
    await import('../demo/index.js');
  } catch {
    return undefined;
  }
  return (svc) => openDemoProject(svc.store, svc.events);
}
