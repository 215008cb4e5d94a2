/**
 * The fail-stop state shared by the parts of one opened storage.
 *
 * A storage that saw one I/O error cannot know what reached the disk: a failed fdatasync may have
 * dropped dirty pages that a retry would report as clean ("fsyncgate"). So the first error fails
 * every part for good, and the member stops instead of acknowledging anything more.
 *
 * @internal
 * @module
 */
import { AssertionError } from "../assert.js";
import { ZabError } from "../errors.js";

/**
 * Health of one opened storage: open, failed (first I/O error kept as cause), or closed.
 *
 * @internal
 */
export class FailStop {
  #failure: ZabError | undefined;
  #closedReason: string | undefined;

  /**
   * Throws unless the storage is usable.
   *
   * @throws {@link ZabError} with code `"StorageFailed"` after an I/O error, `"Closed"` after close.
   */
  check(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closedReason !== undefined) throw new ZabError("Closed", this.#closedReason);
  }

  /**
   * Runs one I/O step; any error from it fails the storage.
   *
   * @param what - The step, for the error message ("log write", "snapshot save").
   * @param io - The I/O.
   * @returns What `io` returned.
   * @throws {@link ZabError} with code `"StorageFailed"` when `io` throws, or when the storage has
   *   already failed; `"Closed"` when it is closed. A {@link ZabError} or {@link AssertionError}
   *   thrown by `io` itself passes through unchanged: it is not an I/O failure.
   */
  async guard<T>(what: string, io: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await io();
    } catch (error) {
      if (ZabError.isInstance(error) || error instanceof AssertionError) throw error;
      throw this.fail(what, error);
    }
  }

  /**
   * Marks the storage failed (the first failure wins) and returns the error every call now gets.
   *
   * @param what - The step that failed.
   * @param cause - The I/O error.
   * @returns The storage's failure.
   */
  fail(what: string, cause: unknown): ZabError {
    this.#failure ??= new ZabError(
      "StorageFailed",
      `${what} failed; the storage is unusable from now on (fail-stop: restart the member to recover)`,
      { cause },
    );
    return this.#failure;
  }

  /**
   * Marks the storage closed; later calls fail with code `"Closed"`.
   *
   * @param reason - Said in those errors.
   */
  close(reason: string): void {
    this.#closedReason ??= reason;
  }
}
