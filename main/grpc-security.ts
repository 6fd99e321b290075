import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

import { FleetError } from '../core/domain/errors.js';
import type { FleetConfig } from './config.js';
import type { Logger } from './log.js';

/** How the gRPC API is served: who may call it, and whether over TLS. */
export interface GrpcSecurity {
  /** Every call but a health check must carry it as `authorization: Bearer <token>`. */
  readonly token?: string;
  readonly tls?: { readonly certChain: Buffer; readonly privateKey: Buffer };
}

/** Only programs on this machine can reach a loopback address. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Decided before anything starts. On loopback the API is served as configured (a token, when one is
 * set, is required there too). Anywhere else it serves the whole API to the network, so it needs a
 * token and TLS both, or an explicit `insecure`, which is said on every start.
 */
export function grpcSecurity(config: FleetConfig, options: { readonly insecure: boolean }, log: Logger): GrpcSecurity {
  const token = config.grpcToken;
  const tls = readTls(config);
  if (!isLoopback(config.grpcHost) && (token === undefined || tls === undefined)) {
    const missing = [
      ...(token === undefined ? ['a token (--grpc-token or FLEET_GRPC_TOKEN)'] : []),
      ...(tls === undefined ? ['TLS (--grpc-tls-cert and --grpc-tls-key; `fleet tls generate` makes a pair)'] : []),
    ];
    if (!options.insecure) {
      throw new FleetError(
        'FAILED_PRECONDITION',
        `--grpc-host ${config.grpcHost} is reachable from other machines: serving the API there needs ${missing.join(' and ')}, or --insecure to serve it without`,
        { field: 'grpc_host' },
      );
    }
    const how = [tls === undefined ? 'in plaintext' : 'over TLS', token === undefined ? 'with no token' : 'with a token'].join(' ');
    log.log(
      'warn',
      `INSECURE (--insecure): the gRPC API on ${config.grpcHost} is served ${how}; whoever reaches the port can ${token === undefined ? 'run and read deliberations and change councils' : 'read the token on the way'}`,
    );
  }
  return { ...(token === undefined ? {} : { token }), ...(tls === undefined ? {} : { tls }) };
}

/**
 * The desktop UI is plain HTTP whose token travels in every request: beyond loopback anyone on the
 * network path could read it, so that takes an explicit `insecure`, said on every start.
 */
export function checkUiExposure(config: FleetConfig, options: { readonly insecure: boolean }, log: Logger): void {
  if (isLoopback(config.uiHost)) return;
  if (!options.insecure) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `--ui-host ${config.uiHost} is reachable from other machines: the UI is plain HTTP and its token could be read on the way; keep it on loopback (use an SSH tunnel) or pass --insecure`,
      { field: 'ui_host' },
    );
  }
  log.log('warn', `INSECURE (--insecure): the desktop UI on ${config.uiHost} is plain HTTP; its token can be read on the network`);
}

/** The certificate and key, read and checked now, so a wrong file is said before the model loads. */
function readTls(config: FleetConfig): GrpcSecurity['tls'] {
  const { grpcTlsCert: certFile, grpcTlsKey: keyFile } = config;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    const [given, wanted] = certFile === undefined ? ['--grpc-tls-key', '--grpc-tls-cert'] : ['--grpc-tls-cert', '--grpc-tls-key'];
    throw new FleetError('INVALID_ARGUMENT', `${given} needs ${wanted} too: TLS takes a certificate and its private key`, {
      field: wanted,
    });
  }
  const certChain = readPem(certFile, '--grpc-tls-cert');
  const privateKey = readPem(keyFile, '--grpc-tls-key');
  const cert = parse('--grpc-tls-cert', certFile, () => new X509Certificate(certChain));
  const key = parse('--grpc-tls-key', keyFile, (): KeyObject => createPrivateKey(privateKey));
  if (!cert.checkPrivateKey(key)) {
    throw new FleetError('INVALID_ARGUMENT', `--grpc-tls-key: ${keyFile} is not the private key of the certificate ${certFile}`, {
      field: '--grpc-tls-key',
    });
  }
  if (Date.parse(cert.validTo) < Date.now()) {
    throw new FleetError('INVALID_ARGUMENT', `--grpc-tls-cert: ${certFile} expired on ${cert.validTo}`, { field: '--grpc-tls-cert' });
  }
  return { certChain, privateKey };
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new FleetError('INVALID_ARGUMENT', `${flag}: cannot read ${file} (${(error as Error).message})`, { field: flag, cause: error });
  }
}

function parse<T>(flag: string, file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new FleetError('INVALID_ARGUMENT', `${flag}: ${file} is not a PEM ${flag.endsWith('cert') ? 'certificate' : 'private key'}`, {
      field: flag,
      cause: error,
    });
  }
}
