/**
 * The proofs of the shared-secret handshake: HMAC-SHA256 over the whole transcript.
 *
 * Each side proves it knows the secret by a MAC over a protocol label (which names the role and
 * the side making the proof), both claimed ids and both fresh nonces. Binding both nonces makes a
 * proof useless on any other connection; binding the ids makes it useless for any other claimed
 * identity; the side in the label stops a proof from being reflected back at its maker; the role
 * stops a client handshake from passing as a peer one. Proofs are compared in constant time.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { assert } from "@zab/core";
import type { HandshakeRole } from "./handshake-messages.js";
import { NONCE_BYTES, PROOF_BYTES } from "./handshake-messages.js";

/**
 * Everything a proof covers.
 *
 * @since 0.1.0
 * @internal
 */
export interface Transcript {
  readonly role: HandshakeRole;
  readonly dialerId: number;
  readonly acceptorId: number;
  readonly dialerNonce: Uint8Array;
  readonly acceptorNonce: Uint8Array;
}

/**
 * Computes one side's proof.
 *
 * @param key - The shared secret.
 * @param side - Who proves: the side that dialed or the side that accepted.
 * @param transcript - The handshake so far.
 * @returns The proof, {@link PROOF_BYTES} bytes.
 * @since 0.1.0
 * @internal
 */
export function computeProof(
  key: Uint8Array,
  side: "dialer" | "acceptor",
  transcript: Transcript,
): Uint8Array {
  assert(transcript.dialerNonce.byteLength === NONCE_BYTES, "the dialer's nonce has NONCE_BYTES bytes");
  assert(transcript.acceptorNonce.byteLength === NONCE_BYTES, "the acceptor's nonce has NONCE_BYTES bytes");
  const ids = new Uint8Array(8);
  const view = new DataView(ids.buffer);
  view.setUint32(0, transcript.dialerId, false);
  view.setUint32(4, transcript.acceptorId, false);
  const hmac = createHmac("sha256", key);
  // The label is one of four fixed strings and every field after it has a fixed length, so no
  // two different transcripts feed the MAC the same bytes.
  hmac.update(`zab-tcp/1 ${transcript.role} ${side}\0`);
  hmac.update(ids);
  hmac.update(transcript.dialerNonce);
  hmac.update(transcript.acceptorNonce);
  return hmac.digest();
}

/**
 * Checks the other side's proof.
 *
 * @param key - The shared secret.
 * @param side - Who made the proof.
 * @param transcript - The handshake so far.
 * @param proof - The proof received.
 * @returns Whether it is right.
 * @since 0.1.0
 * @internal
 */
export function verifyProof(
  key: Uint8Array,
  side: "dialer" | "acceptor",
  transcript: Transcript,
  proof: Uint8Array,
): boolean {
  const expected = computeProof(key, side, transcript);
  // timingSafeEqual requires equal lengths; the length of a proof is no secret.
  return proof.byteLength === PROOF_BYTES && timingSafeEqual(expected, proof);
}
