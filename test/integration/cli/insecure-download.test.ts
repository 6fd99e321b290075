import { describe, expect, it } from 'vitest';

import { runFleet, tempDataDir } from '../../support/fleet-process.js';

// A model's bytes are loaded and run: a plain http:// download could be swapped on the way.

describe('fleet --model http://...', () => {
  it('is refused (exit 2) naming https and --allow-insecure-download, before anything is downloaded', async () => {
    const run = await runFleet([
      'deliberate',
      '--data-dir',
      tempDataDir(),
      '--model',
      'http://models.invalid/x.Q8_0.gguf',
      '--role',
      'DEV',
      'a task',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/model: expected an https:\/\/ URL .*--allow-insecure-download/);
  });

  it('is tried with --allow-insecure-download (here: the host is unreachable, exit 5)', async () => {
    const run = await runFleet([
      'deliberate',
      '--data-dir',
      tempDataDir(),
      '--model',
      'http://models.invalid/x.Q8_0.gguf',
      '--allow-insecure-download',
      '--role',
      'DEV',
      'a task',
    ]);
    expect(run.stderr).toContain('could not be downloaded');
    expect(run.code).toBe(5);
  });
});
