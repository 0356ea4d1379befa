/**
 * Is the deploy module (src-main/deploy, built separately) usable? It is loaded lazily, so the
 * rest of the app works without it; when it is missing the Devices and Deploy pages say so.
 * The deploy work itself runs in a worker thread (app-jobs.ts → app-deploy-backend.ts).
 */
export interface DeployAvailability {
  available: boolean;
  note: string;
}

let cached: Promise<DeployAvailability> | undefined;

export function deployAvailability(): Promise<DeployAvailability> {
  cached ??= import('./deploy-backend.js').then(
    () => ({ available: true, note: 'deploy module loaded' }),
    (e: Error) => ({ available: false, note: `the deploy module is not part of this build (${e.message.split('\n')[0]})` }),
  );
  return cached;
}
