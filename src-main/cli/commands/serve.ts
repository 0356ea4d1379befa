/** `easyquant serve`: the whole app in a browser (web mode), on 127.0.0.1 with a per-launch token. */
import { InvalidArgumentError, type Command } from 'commander';
import { defaultDataDir, serveApp } from '../../server/serve.js';

/** SIGTERM/SIGINT: workers terminated and the store closed within this, else a hard exit */
const SHUTDOWN_GRACE_MS = 1500;

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
      // the handlers before the URL: whoever reads the URL may signal at once
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stdout.write(`EasyQuant Studio (web mode) at ${app.server.openUrl}\n`);
      process.stdout.write(`projects: ${app.service.store.root}   (Ctrl-C to stop)\n`);
      const signal = await stopped;
      // a second signal, or a close that hangs (a worker stuck in native code), still ends the process
      const force = () => {
        process.stderr.write(`easyquant serve: ${signal}: could not shut down cleanly in ${SHUTDOWN_GRACE_MS / 1000} s; exiting\n`);
        // process.exit would wait for a worker thread stuck in native code: die of the signal instead
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      };
      process.once('SIGINT', force).once('SIGTERM', force);
      setTimeout(force, SHUTDOWN_GRACE_MS).unref();
      await app.close();
      process.exit(0);
    });
}
