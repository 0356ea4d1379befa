/**
 * The engine the app computes with (native addon: ISA, threads; or the TypeScript fallback),
 * and the one-click build of the native addon: `node scripts/build-native.mjs --force` in a
 * child process, its outcome pushed as an `engine.build` event. EQ_NATIVE_BUILD_CMD (a JSON
 * array: program and arguments) replaces the build command (tests).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../engines/native/native-runtime.js';
import type { AppEvents } from './events.js';
import type { EngineBuildInfo, EngineStatus } from '../contract/app-types.js';

const LOG_LINES = 30;
const here = path.dirname(fileURLToPath(import.meta.url));

/** The build command: EQ_NATIVE_BUILD_CMD, or the project's build script run by this Node. */
export function buildCommand(): string[] {
  const custom = process.env.EQ_NATIVE_BUILD_CMD;
  if (custom) {
    let argv: unknown;
    try {
      argv = JSON.parse(custom);
    } catch {
      argv = null;
    }
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
      throw new Error(`EQ_NATIVE_BUILD_CMD must be a JSON array of strings (program, then arguments); got ${custom}`);
    }
    return argv as string[];
  }
  // unbundled (src-main/service) and bundled (out/main) layouts both sit two levels below the root
  const script = [path.resolve(here, '..', '..', 'scripts', 'build-native.mjs'), path.resolve(process.cwd(), 'scripts', 'build-native.mjs')].find((f) => fs.existsSync(f));
  if (!script) throw new Error('this installation does not include scripts/build-native.mjs (packaged app): the native engine cannot be built from here');
  return [process.execPath, script, '--force'];
}

export class EngineBuilder {
  private build: EngineBuildInfo = { state: 'idle', message: null, log: '', startedAt: null, finishedAt: null };
  private running: Promise<void> | null = null;

  constructor(private readonly events: AppEvents) {}

  status(): EngineStatus {
    const s = Runtime.status();
    if (!s.available) return { native: false, isa: null, availableIsas: [], threads: null, addonFile: null, reason: s.error, build: { ...this.build } };
    const isas = s.version.availableIsas.split(',').filter(Boolean);
    const forced = process.env.EQ_ISA;
    return {
      native: true,
      isa: forced && isas.includes(forced) ? forced : s.version.detectedIsa,
      availableIsas: isas,
      threads: s.version.affinityCpus,
      addonFile: s.file,
      reason: null,
      build: { ...this.build },
    };
  }

  /** Starts the build (returns at once; the outcome comes as an `engine.build` event and in status()). */
  start(): EngineStatus {
    if (this.running) throw new Error('the native engine is already being built');
    if (Runtime.available()) throw new Error('the native engine is already built and loaded');
    const [cmd, ...args] = buildCommand();
    this.set({ state: 'running', message: 'building the native engine (a few minutes)…', log: '', startedAt: new Date().toISOString(), finishedAt: null });
    this.running = new Promise<void>((resolve) => {
      let out = '';
      const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      const take = (d: Buffer) => {
        out = (out + d.toString())
          .split('\n')
          .slice(-LOG_LINES - 1)
          .join('\n');
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      let ended = false;
      const end = (code: number | null, error?: Error) => {
        if (ended) return; // 'error' and 'close' can both come
        ended = true;
        const log = out.trim();
        const last = log.split('\n').filter(Boolean).pop() ?? '';
        const st = Runtime.status();
        if (error) this.finish('failed', `could not start the build (${cmd}): ${error.message}`, log);
        else if (code !== 0) this.finish('failed', `the build failed (exit code ${code}): ${last || 'no output'}`, log);
        else if (!st.available) this.finish('failed', `the build ended but the native engine still does not load: ${last || st.error}`, log);
        else this.finish('done', `native engine built (${st.version.detectedIsa})`, log);
        this.running = null;
        resolve();
      };
      child.on('error', (e) => end(null, e));
      child.on('close', (code) => end(code));
    });
    return this.status();
  }

  /** Resolves when no build is running (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  private finish(state: 'done' | 'failed', message: string, log: string): void {
    this.set({ ...this.build, state, message, log, finishedAt: new Date().toISOString() });
  }

  private set(b: EngineBuildInfo): void {
    this.build = b;
    this.events.emit({ type: 'engine.build', build: { ...b } });
  }
}
