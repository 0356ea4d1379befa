/**
 * The desktop app's native open/save dialog handlers (ipc-bridge.ts) with a fake `dialog`: the
 * sender check, request validation, cancel, the chosen path, and the save writing the export's
 * bytes (or the run's zip) to the chosen file, atomically.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDialogHandlers, type DialogLike, type DownloadSource } from '../../src-main/electron/ipc-bridge.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-dialogs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const trusted = { trusted: true };
const check = (e: unknown) => {
  if (!(e as { trusted?: boolean }).trusted) throw new Error('IPC refused: untrusted sender https://evil.example');
};

function fakeDialog(answer: { open?: string[]; save?: string; cancel?: boolean }) {
  const seen: unknown[] = [];
  const d: DialogLike = {
    showOpenDialog: async (_e, o) => (seen.push(o), { canceled: !!answer.cancel, filePaths: answer.cancel ? [] : (answer.open ?? []) }),
    showSaveDialog: async (_e, o) => (seen.push(o), { canceled: !!answer.cancel, filePath: answer.cancel ? undefined : answer.save }),
  };
  return { d, seen };
}

const exportFile = path.join(tmp, 'scales.json');
fs.writeFileSync(exportFile, '{"bits":8}');
const runDir = path.join(tmp, 'run');
fs.mkdirSync(runDir);
fs.writeFileSync(path.join(runDir, 'a.txt'), 'a');
const files: DownloadSource = {
  exportDownload: (projectId, exportId) => {
    if (exportId !== 'x1') throw Object.assign(new Error(`project ${projectId} has no export with id ${exportId}`), { name: 'UserError' });
    return { file: exportFile, name: 'scales.json' };
  },
  runDownload: () => ({ name: 'run.zip', sources: [{ dir: runDir, prefix: 'run' }] }),
};

describe('native dialog handlers', () => {
  it('open: the model filter for a model, a folder for data, the chosen path back, null on cancel', async () => {
    const { d, seen } = fakeDialog({ open: ['/models/net.onnx'] });
    const h = createDialogHandlers(d, check, files);
    expect(await h.open(trusted, { kind: 'model' })).toEqual({ ok: true, path: '/models/net.onnx' });
    expect(seen[0]).toMatchObject({ properties: ['openFile'], filters: [{ extensions: ['onnx', 'tflite'] }] });
    await h.open(trusted, { kind: 'data' });
    expect(seen[1]).toMatchObject({ properties: ['openDirectory'] });
    const c = createDialogHandlers(fakeDialog({ cancel: true }).d, check, files);
    expect(await c.open(trusted, { kind: 'card' })).toEqual({ ok: true, path: null });
  });

  it('an untrusted sender or a malformed request is an error value, and no dialog opens', async () => {
    const { d, seen } = fakeDialog({ open: ['/x'] });
    const h = createDialogHandlers(d, check, files);
    expect(await h.open({}, { kind: 'model' })).toEqual({ ok: false, error: { code: 'bad_request', message: 'IPC refused: untrusted sender https://evil.example' } });
    for (const bad of [null, 'model', { kind: 'exe' }, { kind: 'model', extra: 1 }]) {
      const r = await h.open(trusted, bad);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.message).toMatch(/malformed dialog request/);
    }
    expect((await h.save(trusted, { projectId: 'p', exportId: 'x1', path: '/etc/passwd' })).ok).toBe(false);
    expect(seen).toEqual([]);
  });

  it('save: the export is copied byte for byte to the chosen file; an unknown export is a user error', async () => {
    const target = path.join(tmp, 'out', 'mine.json');
    fs.mkdirSync(path.dirname(target));
    const { d, seen } = fakeDialog({ save: target });
    const h = createDialogHandlers(d, check, files);
    expect(await h.save(trusted, { projectId: 'p', exportId: 'x1' })).toEqual({ ok: true, path: target });
    expect(seen[0]).toMatchObject({ defaultPath: 'scales.json' });
    expect(fs.readFileSync(target, 'utf8')).toBe('{"bits":8}');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['mine.json']);
    expect(await h.save(trusted, { projectId: 'p', exportId: 'nope' })).toEqual({ ok: false, error: { code: 'user_error', message: 'project p has no export with id nope' } });
  });

  it('save: a run is written as a zip; a failed write leaves no partial file', async () => {
    const target = path.join(tmp, 'run.zip');
    const h = createDialogHandlers(fakeDialog({ save: target }).d, check, files);
    expect(await h.save(trusted, { runId: 'r1' })).toEqual({ ok: true, path: target });
    expect(fs.readFileSync(target).readUInt32LE(0)).toBe(0x04034b50);
    const bad = path.join(tmp, 'no-such-dir', 'run.zip');
    const r = await createDialogHandlers(fakeDialog({ save: bad }).d, check, files).save(trusted, { runId: 'r1' });
    expect(r.ok).toBe(false);
    expect(fs.existsSync(path.dirname(bad))).toBe(false);
  });
});
