/**
 * Channel ids: the opener's fresh nonce followed by the acceptor's.
 *
 * Each side of the three-way handshake contributes a nonce it has never used, and every later
 * envelope of the channel carries both under the MAC. So a message recorded on one channel means
 * nothing on any other (another id), an `accept` answers only the `open` whose nonce it repeats,
 * and a `confirm` only the `accept` whose nonce it repeats: a replayed handshake step finds
 * nobody waiting and opens nothing.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { CHANNEL_ID_BYTES, NONCE_BYTES } from "./envelope.js";

/**
 * The id an `open` carries: the opener's fresh nonce, then zeros.
 *
 * @returns The id.
 * @since 0.1.0
 * @internal
 */
export function openingChannelId(): Uint8Array {
  const id = new Uint8Array(CHANNEL_ID_BYTES);
  id.set(randomBytes(NONCE_BYTES), 0);
  return id;
}

/**
 * The id an `accept` answers an `open` with: the opener's nonce, then the acceptor's fresh one.
 *
 * @param opening - The id the `open` carried.
 * @returns The channel's id.
 * @since 0.1.0
 * @internal
 */
export function acceptedChannelId(opening: Uint8Array): Uint8Array {
  const id = new Uint8Array(CHANNEL_ID_BYTES);
  id.set(opening.subarray(0, NONCE_BYTES), 0);
  id.set(randomBytes(NONCE_BYTES), NONCE_BYTES);
  return id;
}

/**
 * Whether an `open`'s id has the acceptor's half still empty, as an opener sends it.
 *
 * @param id - The id.
 * @returns Whether it is a well-formed opening id.
 * @since 0.1.0
 * @internal
 */
export function isOpeningChannelId(id: Uint8Array): boolean {
  return id.byteLength === CHANNEL_ID_BYTES && id.subarray(NONCE_BYTES).every((byte) => byte === 0);
}

/**
 * Whether `accepted` answers the `open` that carried `opening`.
 *
 * @param opening - The id the opener sent.
 * @param accepted - The id the answer carries.
 * @returns Whether the opener's nonce matches and the acceptor added one.
 * @since 0.1.0
 * @internal
 */
export function answersOpening(opening: Uint8Array, accepted: Uint8Array): boolean {
  return (
    accepted.byteLength === CHANNEL_ID_BYTES &&
    Buffer.from(opening.subarray(0, NONCE_BYTES)).equals(accepted.subarray(0, NONCE_BYTES)) &&
    !isOpeningChannelId(accepted)
  );
}

/**
 * A channel id as a map key.
 *
 * @param id - The id.
 * @returns Its hex form.
 * @since 0.1.0
 * @internal
 */
export function channelKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}
