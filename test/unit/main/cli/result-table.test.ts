import { describe, expect, it } from 'vitest';

import { resultTable } from '../../../../main/cli/result-table.js';
import { completedDeliberation } from '../../../integration/grpc/deliberation-fixture.js';

describe('fleet result table', () => {
  it('says which attempt a retried task is and why the earlier ones did not complete', () => {
    const d = completedDeliberation({
      attempt: 3,
      earlierAttempts: [
        { attempt: 1, status: 'FAILED', error: 'interrupted: the daemon stopped while the deliberation was in progress', createdAtMs: 1 },
        { attempt: 2, status: 'TIMEOUT', error: 'deadline exceeded', createdAtMs: 2, finishedAtMs: 3 },
      ],
    });
    expect(resultTable(d).split('\n').slice(-3)).toEqual([
      'Attempt 3; earlier:',
      '  attempt 1 FAILED: interrupted: the daemon stopped while the deliberation was in progress',
      '  attempt 2 TIMEOUT: deadline exceeded',
    ]);
    expect(resultTable(completedDeliberation())).not.toContain('Attempt');
  });
});
