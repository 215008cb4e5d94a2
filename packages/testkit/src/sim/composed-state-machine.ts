/**
 * The state machine a simulated member's node drives: the simulation's digest machine, which the
 * invariants read, followed by the member's application, if it runs one.
 *
 * @module
 */
import type { StateMachine, Txn, Zxid } from "@zab/core";
import type { DigestApplied, DigestStateMachine } from "./digest-state-machine.js";

/**
 * What applying one transaction yields: the digest machine's result, and the application's.
 *
 * @since 0.1.0
 */
export interface ComposedApplied extends DigestApplied {
  /** What the application's state machine returned (`undefined` without an application). */
  readonly application: unknown;
}

/**
 * Applies each transaction to the digest machine, then to the application; their snapshots
 * travel together (the digest machine's length-prefixed, then the application's; the digest
 * machine's alone when there is no application).
 *
 * @since 0.1.0
 */
export class ComposedStateMachine implements StateMachine<ComposedApplied> {
  /**
   * @param digestMachine - The simulation's digest machine.
   * @param application - The application's state machine, if any.
   */
  constructor(
    private readonly digestMachine: DigestStateMachine,
    private readonly application: StateMachine<unknown> | undefined,
  ) {}

  /**
   * The digest members exchange: the application's when it keeps one, else the digest machine's.
   *
   * @returns The digest of the state after the last applied transaction.
   */
  digest(): bigint {
    const application = this.application;
    if (application?.digest !== undefined) return application.digest();
    return this.digestMachine.digest();
  }

  apply(txn: Txn): ComposedApplied {
    const digest = this.digestMachine.apply(txn);
    return { ...digest, application: this.application?.apply(txn) };
  }

  snapshot(): Uint8Array {
    const digest = this.digestMachine.snapshot();
    // Without an application the snapshot is the digest machine's alone, byte for byte.
    if (this.application === undefined) return digest;
    const application = this.application.snapshot();
    const bytes = new Uint8Array(4 + digest.byteLength + application.byteLength);
    new DataView(bytes.buffer).setUint32(0, digest.byteLength);
    bytes.set(digest, 4);
    bytes.set(application, 4 + digest.byteLength);
    return bytes;
  }

  restore(data: Uint8Array, zxid: Zxid): void {
    if (this.application === undefined) {
      this.digestMachine.restore(data, zxid);
      return;
    }
    const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
    this.digestMachine.restore(data.subarray(4, 4 + length), zxid);
    this.application.restore(data.subarray(4 + length), zxid);
  }
}
