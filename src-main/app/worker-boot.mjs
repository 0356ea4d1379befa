// Worker bootstrap for unbundled runs (CLI through tsx, tests): registers tsx's loader in
// this worker thread, then loads the TypeScript worker entry beside this file.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
