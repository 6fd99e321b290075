import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This build's version, from package.json (the one place it is written). */
export const FLEET_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;
