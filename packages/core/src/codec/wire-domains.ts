/**
 * Integer domains the wire format enforces on both sides: the encoder refuses to write a value
 * outside them, and the decoder refuses to read one.
 *
 * @module
 */

/**
 * Inclusive bounds on an integer field.
 *
 * @since 0.1.0
 * @internal
 */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The domain of a `ServerId`: like ZooKeeper's `myid`, a positive int32.
 *
 * @since 0.1.0
 * @internal
 */
export const SERVER_ID_RANGE: IntegerRange = { min: 1, max: 0x7fff_ffff };
