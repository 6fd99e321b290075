// The desktop UI's HTTP adapter: the built renderer, and the daemon's API for browsers forwarded to its gRPC server.
export { startUiServer, type UiServer, type UiServerOptions } from './ui-server.js';
