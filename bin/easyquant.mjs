#!/usr/bin/env node
// EasyQuant CLI launcher (the package.json "bin"). Runs the TypeScript entry
// src-main/cli/main.ts directly through tsx's ESM loader. Paths are resolved
// relative to this file's real location, so it works from any cwd and through
// an npm bin symlink (node resolves symlinks for the main module by default).
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();

const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
const entry = join(here, '..', 'src-main', 'cli', 'main.ts');
await import(pathToFileURL(entry).href);
