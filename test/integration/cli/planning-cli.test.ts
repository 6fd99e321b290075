import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, runFleet, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// `fleet project|epic|story|task`: planning from the terminal through the daemon that owns the folder,
// with the same validation and exit codes as the rest of the CLI.

let dataDir: string;
let daemon: DaemonProcess;
const fleet = (...args: string[]) => runFleet([...args, '--data-dir', dataDir]);
const json = async <T>(...args: string[]): Promise<T> => {
  const run = await fleet(...args, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

beforeAll(async () => {
  dataDir = tempDataDir();
  daemon = await startDaemon(dataDir);
});
afterAll(async () => {
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('planning from the CLI', () => {
  it('builds project → epic → story → task, moves the story on, and names what is wrong', async () => {
    const project = await json<{ id: string; rigor: string }>(
      'project',
      'create',
      'Payments',
      '--rigor',
      'L2',
      '--owner',
      'po@example.com',
    );
    expect(project.rigor).toBe('L2');
    const epic = await json<{ id: string }>('epic', 'create', 'Refunds', '--project', project.id);

    const brief = join(dataDir, 'brief.md');
    writeFileSync(
      brief,
      'As a clerk I want to refund a payment so that customers get their money back.\n\nAcceptance criteria:\n- Given a settled payment When it is refunded Then the customer gets the amount within 1 day\n',
    );
    const created = await fleet('story', 'create', 'Refund a card payment', '--epic', epic.id, '--brief-file', brief);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/DRAFT\s+DoR 100\s+Refund a card payment/);
    expect(created.stdout).toContain('Definition of Ready: nothing missing');
    const storyId = /^(story-\S+)/m.exec(created.stdout)![1]!;

    const weak = await fleet('story', 'create', 'Refunds', '--epic', epic.id, '--brief', 'Make refunds fast');
    expect(weak.stdout).toContain('AMBIGUOUS');
    const weakId = /^(story-\S+)/m.exec(weak.stdout)![1]!;
    const refused = await fleet('story', 'transition', weakId, 'PO_REVIEW');
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/rigor L2\) needs 85/);

    expect((await fleet('story', 'transition', storyId, 'PO_REVIEW')).code).toBe(0);
    const illegal = await fleet('story', 'transition', storyId, 'DONE');
    expect(illegal.code).toBe(6);
    expect(illegal.stderr).toContain('can move to READY_FOR_PLANNING, DRAFT');
    expect((await fleet('story', 'transition', storyId, 'SHIPPED')).code).toBe(2);

    const task = await json<{ id: string }>('task', 'create', 'Refund endpoint', '--story', storyId, '--request-id', 'r-1');
    expect((await json<{ id: string }>('task', 'create', 'Refund endpoint', '--story', storyId, '--request-id', 'r-1')).id).toBe(task.id);
    const tasks = await json<{ total_count: number }>('task', 'list', '--story', storyId);
    expect(tasks.total_count).toBe(1);

    const missing = await fleet('story', 'show', 'story-nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('story-nope');
    const busy = await fleet('epic', 'delete', epic.id);
    expect(busy.code).toBe(6);
    expect(busy.stderr).toContain('2 stories');
    const noReason = await fleet('story', 'reject', storyId, 'some-task', '--by', 'po', '--reason', ' ');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('reason');
  });

  it('says how to start a daemon when none serves the folder (exit 5)', async () => {
    const other = tempDataDir();
    const run = await runFleet(['project', 'list', '--data-dir', other]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('fleet serve');
    rmSync(other, { recursive: true, force: true });
  });
});
