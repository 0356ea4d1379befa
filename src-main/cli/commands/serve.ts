/** `easyquant serve`: the whole app in a browser (web mode), on 127.0.0.1 with a per-launch token. */
import { InvalidArgumentError, type Command } from 'commander';
import { defaultDataDir, serveApp } from '../../server/serve.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app in web mode on 127.0.0.1 (prints the URL with its access token)')
    .option('--port <n>', 'port (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0..65535 (got '${v}')`);
      return n;
    })
    .option('--data-dir <dir>', `projects database and artifacts (default: EQ_DATA_DIR or ${defaultDataDir()})`)
    .option('--no-build', 'do not build the renderer even if it is missing or stale')
    .action(async (o: { port?: number; dataDir?: string; build: boolean }) => {
      const app = await serveApp({ port: o.port, dataDir: o.dataDir, build: o.build });
      const rec = app.service.store.recovery;
      if (rec.interruptedRuns.length) process.stderr.write(`recovered ${rec.interruptedRuns.length} interrupted run(s); resume them on the Calibrate page\n`);
      process.stdout.write(`EasyQuant Studio (web mode) at ${app.server.openUrl}\n`);
      process.stdout.write(`projects: ${app.service.store.root}   (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
    });
}
