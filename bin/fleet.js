#!/usr/bin/env node
// The `fleet` command. The TypeScript sources run through tsx's loader, so a checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../main/cli/fleet.ts');
