/**
 * Electron main process: a thin shell around the renderer.
 *
 * Security posture: every renderer is sandboxed with context isolation and no Node
 * integration; navigation, new windows, <webview> and permission requests are refused;
 * only the app's own files (or the loopback dev server under `electron-vite dev`) may be
 * loaded; IPC handlers only answer the app's own top frame.
 *
 * Must not import anything from src-main/core that needs Electron (core never imports electron).
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDispatcher } from '../app/dispatch.js';
import { loadDemoRunner } from '../app/demo-bridge.js';
import { AppService, type SecretBox } from '../app/app-service.js';
import { defaultDataDir } from '../app/data-root.js';
import { createDialogHandlers, registerIpcHandlers, type DialogLike } from './ipc-bridge.js';
import { createSecretBox } from './secret-box.js';
import { IPC, type VersionInfo } from './ipc-contract.js';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, DESKTOP_CSP, resolveAppRequest } from './app-protocol.js';
import { isAllowedPermission, isAllowedRequest, isAppUrl, parseDevServerUrl, rendererLocation } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const PRELOAD = path.join(here, '..', 'preload', 'index.cjs');
const RENDERER_DIR = path.join(here, '..', 'renderer');

// The dev server URL is only honoured for unpackaged runs (electron-vite dev).
const devServer = app.isPackaged ? undefined : parseDevServerUrl(process.env['ELECTRON_RENDERER_URL']);
const location = rendererLocation(devServer);

// app://renderer/ serves out/renderer (a real origin for 'self'; file:// would cover the whole disk)
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

// Enforce the sandbox for every renderer, whatever webPreferences say.
app.enableSandbox();

/** Throws unless the IPC message comes from the app's own renderer page (top frame). */
function assertTrustedSender(event: IpcMainInvokeEvent): void {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !isAppUrl(frame.url, location)) {
    throw new Error(`IPC refused: untrusted sender ${frame?.url ?? '(destroyed frame)'}`);
  }
}

let service: AppService | undefined;

/** Electron's dialogs, parented to the window that asked. */
const windowOf = (e: unknown) => BrowserWindow.fromWebContents((e as IpcMainInvokeEvent).sender);
const nativeDialogs: DialogLike = {
  showOpenDialog: (e, o) => (windowOf(e) ? dialog.showOpenDialog(windowOf(e)!, o) : dialog.showOpenDialog(o)),
  showSaveDialog: (e, o) => (windowOf(e) ? dialog.showSaveDialog(windowOf(e)!, o) : dialog.showSaveDialog(o)),
};

/** Secrets (SSH passphrases, passwords) are stored only encrypted by the OS keychain (safeStorage). */
function secretBox(): SecretBox | undefined {
  return createSecretBox(safeStorage, process.platform, (why) => {
    const choice = dialog.showMessageBoxSync({
      type: 'warning',
      title: 'Store the secret without a keychain?',
      message: 'Passwords and passphrases cannot be encrypted on this system',
      detail: `${why}.\n\nStore it anyway, only obfuscated?`,
      buttons: ['Cancel', 'Store obfuscated'],
      defaultId: 0,
      cancelId: 0,
    });
    return choice === 1;
  });
}

async function registerIpc(): Promise<void> {
  // The service runs calibration, evaluation and export in worker threads: this thread only
  // routes messages, so the window never freezes.
  // the same data folder as web mode and the CLI (EQ_DATA_DIR, default ~/.easyquant-studio): one set of projects and devices
  service = new AppService({ dataRoot: defaultDataDir(), mode: 'desktop', version: app.getVersion(), secrets: secretBox() });
  const dispatch = createDispatcher(service, { demo: await loadDemoRunner() });
  registerIpcHandlers(ipcMain, {
    dispatch,
    assertTrustedSender: (e) => assertTrustedSender(e as IpcMainInvokeEvent),
    version: (): VersionInfo => ({
      app: app.getVersion(),
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
    }),
  });
  const dialogs = createDialogHandlers(nativeDialogs, (e) => assertTrustedSender(e as IpcMainInvokeEvent), service);
  ipcMain.handle(IPC.openDialog, dialogs.open);
  ipcMain.handle(IPC.saveDialog, dialogs.save);
  service.events.on((ev) => {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(IPC.event, ev);
  });
}

function hardenWebContents(contents: WebContents): void {
  // The UI is a single page: no navigation at all (in-page hash changes don't fire this).
  contents.on('will-navigate', (event, url) => {
    console.warn(`[easyquant] blocked navigation to ${url}`);
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function hardenSession(): void {
  const ses = session.defaultSession;
  // everything refused but notifications of the app page (finished jobs)
  ses.setPermissionRequestHandler((wc, permission, callback) => callback(isAllowedPermission(permission, wc.getURL(), location)));
  ses.setPermissionCheckHandler((wc, permission) => isAllowedPermission(permission, wc?.getURL(), location));
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, location);
    if (!allowed) console.warn(`[easyquant] blocked request: ${details.url}`);
    callback({ cancel: !allowed });
  });
}

function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppRequest(request.url, RENDERER_DIR);
    if (!r.ok) {
      console.warn(`[easyquant] app:// refused ${request.url}: ${r.reason}`);
      return new Response(`${r.reason}\n`, { status: r.status, headers: { 'content-type': 'text/plain' } });
    }
    const body = await fs.promises.readFile(r.file);
    return new Response(body, { headers: { 'content-type': r.contentType, 'content-security-policy': DESKTOP_CSP, 'x-content-type-options': 'nosniff' } });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'EasyQuant Studio',
    autoHideMenuBar: true,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  if (devServer) void win.loadURL(devServer.href);
  else void win.loadURL(APP_INDEX_URL);
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });

  app.on('will-quit', () => {
    void service?.close();
  });

  void app.whenReady().then(async () => {
    hardenSession();
    registerAppProtocol();
    try {
      await registerIpc();
    } catch (e) {
      // e.g. the data folder is locked by a running `easyquant serve`: say so instead of a blank window
      dialog.showErrorBox('EasyQuant Studio cannot start', (e as Error).message);
      app.exit(1);
      return;
    }
    createWindow();
  });
}
