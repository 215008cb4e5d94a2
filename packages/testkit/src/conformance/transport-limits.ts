/**
 * The limits every transport enforces, which the conformance checks configure and probe.
 *
 * @module
 */

/**
 * The bounds a check asks a transport to enforce.
 *
 * @remarks
 * Both bound memory against a hostile or stuck peer (DESIGN §7: "bounds frame size and buffered
 * bytes"): what exceeds them breaks the channel, never grows a buffer.
 * @since 0.1.0
 */
export interface TransportLimits {
  /**
   * The largest frame in bytes, counting only what was passed to `send` (no framing of the
   * transport's own). A frame of exactly this size is delivered; a larger one breaks the channel
   * and is never delivered.
   */
  readonly frameBytesMax: number;
  /**
   * The most bytes the transport holds for one channel, sent and not yet delivered (its own
   * queues, not the kernel's or a broker's). Exceeding it breaks the channel.
   */
  readonly bufferedBytesMax: number;
}
