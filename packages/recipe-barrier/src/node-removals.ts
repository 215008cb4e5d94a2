/**
 * Participant nodes being removed in the background, after a wait that no longer needs them
 * passed or gave up, so that the barrier's disposal can wait for them and report a failure.
 *
 * @module
 */
import type { ParticipantNode } from "./participant-node.js";

/**
 * The removals a barrier handle started and has not seen finish, and the first that failed.
 *
 * @internal
 */
export class NodeRemovals {
  readonly #running = new Set<Promise<void>>();
  #failure: unknown;

  /**
   * Starts removing `node` without waiting for it; a failure is kept for {@link NodeRemovals.settled}.
   *
   * @param node - The participant node to remove.
   */
  start(node: ParticipantNode): void {
    const removal = node.release().then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= error;
      },
    );
    this.#running.add(removal);
    void removal.then(() => this.#running.delete(removal));
  }

  /**
   * Waits for every removal started so far.
   *
   * @throws The first failure of any removal (a bug: a removal retries until the node is gone or
   *   the session ends).
   */
  async settled(): Promise<void> {
    await Promise.all(this.#running);
    if (this.#failure !== undefined) throw this.#failure;
  }
}
