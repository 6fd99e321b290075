import { describe, expect, it } from 'vitest';

import { DisposalStack } from '../../../core/base/disposal.js';

describe('DisposalStack', () => {
  it('releases in reverse order, every one even when some fail, and rethrows the first failure', async () => {
    const order: string[] = [];
    const stack = new DisposalStack();
    stack.defer(() => order.push('database'));
    const model = stack.use({ close: async () => order.push('model') });
    stack.defer(() => {
      order.push('worker');
      throw new Error('worker would not stop');
    });
    stack.defer(async () => {
      order.push('grpc');
      await Promise.reject(new Error('grpc would not stop'));
    });
    expect(typeof model.close).toBe('function');
    await expect(stack.dispose()).rejects.toThrow('grpc would not stop');
    expect(order).toEqual(['grpc', 'worker', 'model', 'database']);
  });

  it('releases once, and refuses new resources after', async () => {
    let released = 0;
    const stack = new DisposalStack();
    stack.defer(() => released++);
    await Promise.all([stack.dispose(), stack.dispose()]);
    await stack.dispose();
    expect(released).toBe(1);
    expect(() => stack.defer(() => undefined)).toThrow('already disposed');
  });
});
