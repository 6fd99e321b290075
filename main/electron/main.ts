// The Electron main process: one window, a tray, and the daemon as a supervised child. Everything with
// logic in it lives in the files beside this one, which are tested without Electron; this one only wires.
import {
  app,
  BrowserWindow,
  type IpcMainInvokeEvent,
  ipcMain,
  Menu,
  nativeImage,
  net,
  protocol,
  session,
  shell,
  Tray,
  type WebContents,
} from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { APP_ORIGIN, APP_SCHEME, contentSecurityPolicy, isAppUrl, rendererFile } from './app-protocol.js';
import { type DaemonState, type DaemonSupervisor, superviseDaemon } from './daemon-supervisor.js';
import { DEEP_LINK_SCHEME, deepLinkInArgs, parseDeepLink } from './deep-link.js';
import {
  CHANNELS,
  type DaemonStateView,
  nextDaemonStateView,
  OpenExternalRequest,
  type OpenExternalReply,
  parseIpcPayload,
} from './ipc-schema.js';
import { externalLinkDecision } from './navigation-policy.js';

const TRAY_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAHElEQVR42mNgGDRAO2fDf1LwqAGjBgxXAwYMAABf+EdwTjiSQwAAAABJRU5ErkJggg==';

// Before `ready`: a standard, secure scheme gets an origin of its own, fetch, and no mixed-content downgrade.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (app.requestSingleInstanceLock()) void run();
else app.quit();

async function run(): Promise<void> {
  let view: DaemonStateView = { kind: 'starting', restarts: 0 };
  let window: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let pendingTaskId: string | undefined;
  let stopped = false;

  const rendererRoot = path.join(app.getAppPath(), 'renderer', 'dist');

  const pageUrl = (): string => {
    const query = view.api === undefined ? '' : `?${new URLSearchParams({ api: view.api.origin, token: view.api.token }).toString()}`;
    return `${APP_ORIGIN}/index.html${query}`;
  };

  const load = (win: BrowserWindow): void => {
    win.loadURL(pageUrl()).catch((error: unknown) => console.error(`window: ${String(error)}`));
  };

  const sendToPage = (): void => {
    if (window === undefined || window.webContents.isLoading()) return;
    window.webContents.send(CHANNELS.daemonState, view);
    if (pendingTaskId !== undefined) window.webContents.send(CHANNELS.openDeliberation, { taskId: pendingTaskId });
    pendingTaskId = undefined;
  };

  const showWindow = (): void => {
    if (window === undefined) window = createWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const createWindow = (): BrowserWindow => {
    const win = new BrowserWindow({
      width: 1280,
      height: 820,
      show: false,
      title: 'SWE Fleet',
      webPreferences: {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        preload: path.join(import.meta.dirname, 'preload.cjs'),
      },
    });
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-finish-load', sendToPage);
    win.on('closed', () => (window = undefined));
    load(win);
    return win;
  };

  const openDeepLink = (link: string): void => {
    try {
      pendingTaskId = parseDeepLink(link).taskId;
    } catch (error) {
      console.error(`deep link: ${(error as Error).message}`);
      return;
    }
    showWindow();
    sendToPage();
  };

  const openExternally = async (link: string): Promise<OpenExternalReply> => {
    const decision = externalLinkDecision(link);
    if (!decision.open) {
      console.error(`refused to open ${link}: ${decision.reason}`);
      return { opened: false, reason: decision.reason };
    }
    await shell.openExternal(decision.url);
    return { opened: true };
  };

  /** Only the main frame of our own window, showing our own page, may ask the main process for anything. */
  const fromOurPage = (event: IpcMainInvokeEvent): boolean =>
    window !== undefined &&
    event.sender === window.webContents &&
    event.senderFrame !== null &&
    event.senderFrame === window.webContents.mainFrame &&
    isAppUrl(event.senderFrame.url);

  const guard = (contents: WebContents): void => {
    contents.on('will-navigate', (event, url) => {
      if (isAppUrl(url)) return;
      event.preventDefault();
      void openExternally(url);
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      void openExternally(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  };

  const updateTray = (): void => {
    const status =
      view.kind === 'crashed' && view.lastCrash !== undefined
        ? `Daemon crashed, restarting in ${Math.ceil(view.lastCrash.restartInMs / 1000)} s`
        : `Daemon ${view.kind}${view.restarts > 0 ? ` (restarted ${view.restarts}×)` : ''}`;
    tray?.setToolTip(`SWE Fleet: ${status}`);
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open SWE Fleet', click: showWindow },
        { label: status, enabled: false },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  };

  const onDaemonState = (state: DaemonState): void => {
    view = nextDaemonStateView(view, state, new Date());
    if (state.kind === 'crashed') console.error(`daemon: ${state.reason}; restarting in ${state.restartInMs} ms`);
    updateTray();
    // Each daemon listens on a new port with a new token: the page is loaded again to use them.
    if (state.kind === 'ready' && window !== undefined) load(window);
    else sendToPage();
  };

  app.on('second-instance', (_event, argv) => {
    const link = deepLinkInArgs(argv);
    if (link === undefined) showWindow();
    else openDeepLink(link);
  });
  app.on('open-url', (event, link) => {
    event.preventDefault();
    openDeepLink(link);
  });

  await app.whenReady();

  // A checkout run as `electron .` must pass its app path for the OS to start it the same way.
  if (process.defaultApp === true)
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, [path.resolve(process.argv[1] ?? '.')]);
  else app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => guard(contents));

  protocol.handle(APP_SCHEME, async (request) => {
    const file = rendererFile(rendererRoot, request.url);
    const response = file === undefined ? undefined : await net.fetch(pathToFileURL(file).href).catch(() => undefined);
    if (response === undefined || !response.ok) return new Response('not found', { status: 404 });
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy(view.api?.origin));
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });

  ipcMain.handle(CHANNELS.openExternal, (event, payload: unknown) => {
    if (!fromOurPage(event))
      throw new Error(`${CHANNELS.openExternal}: refused a message from ${event.senderFrame?.url ?? 'a closed frame'}`);
    return openExternally(parseIpcPayload(CHANNELS.openExternal, OpenExternalRequest, payload).url);
  });

  const natsServer = process.platform === 'win32' ? 'nats-server.exe' : 'nats-server';
  const supervisor: DaemonSupervisor = superviseDaemon({
    command: process.execPath,
    args: [path.join(app.getAppPath(), 'bin', 'fleet.js'), 'serve', '--ui-port', '0'],
    env: {
      ...process.env,
      ELECTRON_RUN_AS_NODE: '1',
      ...(app.isPackaged ? { NATS_SERVER_BIN: path.join(process.resourcesPath, 'nats-server', natsServer) } : {}),
    },
    // Not the app path: inside a packaged app that is an asar archive, which cannot be a working directory.
    cwd: app.getPath('userData'),
    onState: onDaemonState,
    onOutput: (line, stream) => (stream === 'stdout' ? console.log : console.error)(`daemon: ${line}`),
  });

  tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON));
  updateTray();
  const startLink = deepLinkInArgs(process.argv);
  if (startLink === undefined) showWindow();
  else openDeepLink(startLink);

  // The tray keeps the daemon when the last window closes; only Quit stops it.
  app.on('window-all-closed', () => undefined);
  app.on('activate', showWindow);
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void supervisor.stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
}
