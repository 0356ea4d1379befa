// ESLint flat config (eslint 9 + typescript-eslint, non-type-checked for speed).
// Covers src-main, test, scripts, bin, src-renderer's TS files and the root config files.
// Vue SFCs (*.vue) are not linted here (no vue-eslint-parser); they are type-checked by the build.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { CORE_FORBIDDEN_MODULES, forbiddenFor, LAYERS } from './src-main/layers.mjs';

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];

/** no-restricted-imports for one layer of src-main (src-main/layers.mjs): relative paths into a forbidden layer. */
function layerRule(layer) {
  const names = forbiddenFor(layer);
  const patterns = names.length
    ? [{ regex: `^(\\.\\./)+(${names.join('|')})/`, message: `src-main/${layer} may not import ${names.join(', ')} (layers: src-main/layers.mjs)` }]
    : [];
  const paths = layer === 'core' ? CORE_FORBIDDEN_MODULES.map((name) => ({ name, message: 'core is pure computation: files, addons and runtimes belong in io/ or engines/' })) : [];
  return {
    files: [`src-main/${layer}/**/*.ts`, `src-main/${layer}/**/*.mjs`],
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  };
}

/** Unused vars/args are errors, except `_`-prefixed ones and caught errors. */
const UNUSED_OPTS = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  caughtErrors: 'none',
  ignoreRestSiblings: true,
};

export default defineConfig([
  globalIgnores([
    '**/node_modules/**',
    'out/**',
    'dist/**',
    'scratch/**',
    'native/build/**',
    'test-results/**',
    'playwright-report/**',
    '.eq-cache/**',
    '**/*.d.ts',
  ]),

  // Plain JS / ESM scripts (scripts/, bin/, this file): Node globals.
  {
    files: JS_FILES,
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },

  // TypeScript everywhere (src-main, test, scripts, src-renderer, root configs).
  {
    files: TS_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },

  // Renderer code runs in the browser sandbox, not Node.
  {
    files: ['src-renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Preload runs in a sandboxed renderer with a limited Node surface.
  {
    files: ['src-main/electron/preload.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // Rule tuning: TypeScript.
  {
    files: TS_FILES,
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', UNUSED_OPTS],
      '@typescript-eslint/no-explicit-any': 'warn',
      // int64 bounds etc. written as float64 literals are deliberate in numeric code: flag, don't fail.
      'no-loss-of-precision': 'warn',
      'no-constant-condition': ['error', { checkLoops: false }],
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  // Layers of src-main import only downward (src-main/layers.mjs).
  ...LAYERS.map(layerRule),
  // The renderer sees the main process only through its contracts.
  {
    files: ['src-renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: 'src-main/(?!contract/|electron/ipc-contract)', message: 'the renderer imports only src-main/contract (and the IPC contract)' }] }],
    },
  },

  // Rule tuning: JavaScript.
  {
    files: JS_FILES,
    rules: {
      'no-unused-vars': ['error', UNUSED_OPTS],
      'no-constant-condition': ['error', { checkLoops: false }],
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
]);
