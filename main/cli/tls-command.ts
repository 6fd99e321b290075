import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

import { Command } from 'commander';
import { generate } from 'selfsigned';

import { FleetError, invalidArgument } from '../../core/domain/errors.js';
import { intOption } from './common-options.js';

interface GenerateFlags {
  out: string;
  host: string[];
  days: number;
  force?: boolean;
}

/** Names every certificate answers to: clients on this machine connect through one of these. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function tlsCommand(): Command {
  const tls = new Command('tls').description('TLS for the gRPC API (fleet serve --grpc-tls-cert/--grpc-tls-key)');
  tls.addCommand(
    new Command('generate')
      .description('write a self-signed certificate (cert.pem) and its private key (key.pem, owner-only) for fleet serve')
      .requiredOption('--out <dir>', 'folder to write cert.pem and key.pem into (created owner-only)')
      .option(
        '--host <name>',
        'a host name or IP address clients connect to (repeatable); localhost, 127.0.0.1 and ::1 are always included',
        (v: string, acc: string[]) => [...acc, v],
        [],
      )
      .addOption(intOption('--days <n>', 'how long the certificate is valid', 1, 3650).default(365))
      .option('--force', 'replace a pair already in --out')
      .action(async (flags: GenerateFlags) => {
        const hosts = [...new Set([...flags.host.map(checkHost), ...LOOPBACK_NAMES])];
        const dir = resolve(flags.out);
        const certFile = join(dir, 'cert.pem');
        const keyFile = join(dir, 'key.pem');
        // Checked before anything is written: never a new key beside an old certificate.
        const existing = [certFile, keyFile].filter((f) => existsSync(f));
        if (existing.length > 0 && flags.force !== true) {
          throw new FleetError(
            'ALREADY_EXISTS',
            `${existing.join(' and ')} already there: --force replaces the pair, or choose another --out`,
            {
              field: '--out',
            },
          );
        }
        const now = new Date();
        const pair = await generate([{ name: 'commonName', value: hosts[0]! }], {
          keyType: 'ec',
          curve: 'P-256',
          algorithm: 'sha256',
          notBeforeDate: now,
          notAfterDate: new Date(now.getTime() + flags.days * 86_400_000),
          extensions: [
            { name: 'basicConstraints', cA: false },
            { name: 'keyUsage', digitalSignature: true, critical: true },
            { name: 'extKeyUsage', serverAuth: true },
            { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) === 0 ? { type: 2, value: h } : { type: 7, ip: h })) },
          ],
        });
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        // The key owner-only from its first byte; the certificate is public.
        writeFile(keyFile, pair.private, 0o600);
        writeFile(certFile, pair.cert, 0o644);
        const cert = new X509Certificate(pair.cert);
        process.stdout.write(
          [
            `wrote ${certFile} (self-signed certificate for ${hosts.join(', ')}; valid until ${cert.validTo})`,
            `wrote ${keyFile} (its private key, readable by you only)`,
            `SHA-256 fingerprint: ${cert.fingerprint256}`,
            '',
            `serve:   fleet serve --grpc-host 0.0.0.0 --grpc-tls-cert ${certFile} --grpc-tls-key ${keyFile}  (with FLEET_GRPC_TOKEN set)`,
            `clients: trust ${certFile} as the root certificate (it is self-signed) and send the token as \`authorization: Bearer <token>\``,
            '',
          ].join('\n'),
        );
      }),
  );
  return tls;
}

function checkHost(host: string): string {
  if (isIP(host) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9*]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host))
    return host;
  throw invalidArgument('--host', 'a host name or an IP address', host);
}

function writeFile(file: string, content: string, mode: number): void {
  try {
    writeFileSync(file, content, { mode });
  } catch (error) {
    throw new FleetError('FAILED_PRECONDITION', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  // A replaced file keeps its old mode; the key must not.
  chmodSync(file, mode);
}
