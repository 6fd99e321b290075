/**
 * Resources released in one call, in the reverse order they were taken (what depends on a resource
 * goes before it). Every release runs even if an earlier one fails; the first failure is rethrown.
 * The standard AsyncDisposableStack does this from Node 24; lifecycle-utils' aggregator releases in
 * the order things were added, which is the wrong way round for start/stop ladders.
 */
export class DisposalStack {
  private releases: (() => unknown)[] = [];
  private disposing: Promise<void> | undefined;

  /** Registers a release; returns the resource, so taking and registering read as one step. */
  use<T extends { close(): unknown }>(resource: T): T {
    this.defer(() => resource.close());
    return resource;
  }

  defer(release: () => unknown): void {
    if (this.disposing !== undefined) throw new Error('DisposalStack: already disposed');
    this.releases.push(release);
  }

  /** Releases everything once; later calls wait for the same release. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const errors: unknown[] = [];
      for (const release of this.releases.splice(0).reverse()) {
        try {
          await release();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    })();
    return this.disposing;
  }
}
