/**
 * The envelope every zab message travels in over NATS, and its MAC.
 *
 * Core NATS says nothing about who published a message, so each one carries its sender, its
 * target, the channel it belongs to and its place in that channel, all covered by an
 * HMAC-SHA256 keyed with the cluster secret. A message is trusted only once its MAC checks out,
 * and nothing in it is read before that except the fixed-size header needed to find the MAC.
 *
 * ```text
 * offset  size  field
 *      0     1  version (1)
 *      1     1  kind (open, accept, confirm, data, ack, ping, close, reset)
 *      2     1  role (peer, client): a client handshake never passes as a peer one
 *      3     1  flags (data: first chunk, last chunk, or whole frames)
 *      4    32  channel id: the opener's nonce, then the acceptor's (zeros in an open)
 *     36     8  seq: place in the sender's direction of the channel (0 in a handshake or reset)
 *     44     1  length of `from`, then `from` (UTF-8)
 *      …     1  length of `to`, then `to` (UTF-8)
 *      …     …  body
 *  end-32   32  HMAC-SHA256(secret, label ‖ cluster ‖ everything above)
 * ```
 *
 * @module
 */
import { createHash, type Hash, timingSafeEqual } from "node:crypto";
import { assert } from "@zab/core";

/** The bytes of a channel id: two 16-byte nonces. */
export const CHANNEL_ID_BYTES = 32;
/** The bytes of each side's nonce. */
export const NONCE_BYTES = 16;
/** The bytes of the MAC. */
export const MAC_BYTES = 32;
/** The longest endpoint name (member id in decimal, or a client's random name). */
export const ENDPOINT_NAME_BYTES_MAX = 64;
const VERSION = 1;
const HEADER_BYTES = 44;

/**
 * What an envelope is for.
 *
 * @remarks
 * `open`, `accept`, `confirm`: the three-way handshake that makes a channel (see the README);
 * `data`: a chunk of a frame; `ack`: bytes delivered, the credit that bounds what a sender keeps
 * in flight; `ping`: proof of life on a quiet channel; `close`: the sender ends the channel;
 * `reset`: the sender does not know the channel named (it restarted, or closed it).
 * @since 0.1.0
 * @internal
 */
export type EnvelopeKind = "open" | "accept" | "confirm" | "data" | "ack" | "ping" | "close" | "reset";

/**
 * Which kind of endpoints a channel joins: two members, or a client and a member.
 *
 * @since 0.1.0
 * @internal
 */
export type EndpointRole = "peer" | "client";

const KINDS: readonly EnvelopeKind[] = ["open", "accept", "confirm", "data", "ack", "ping", "close", "reset"];
const ROLES: readonly EndpointRole[] = ["peer", "client"];

/** `flags` of a data envelope: it carries the first chunk of a frame (led by the frame's length). */
export const FLAG_FIRST_CHUNK = 1;
/** `flags` of a data envelope: it carries the last chunk of a frame. */
export const FLAG_LAST_CHUNK = 2;
/**
 * `flags` of a data envelope: it carries whole frames, each led by its length (frames sent in
 * one turn travel together; never with the chunk flags).
 */
export const FLAG_FRAMES = 4;

/**
 * One message, decoded and authenticated (or about to be encoded).
 *
 * @since 0.1.0
 * @internal
 */
export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly role: EndpointRole;
  readonly flags: number;
  /** {@link CHANNEL_ID_BYTES} bytes. */
  readonly channelId: Uint8Array;
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly body: Uint8Array;
}

/**
 * The key and the domain an envelope is authenticated in.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnvelopeKey {
  /** The cluster secret. */
  readonly secret: Uint8Array;
  /** The cluster name: a message of one cluster is refused by another that shares its secret. */
  readonly cluster: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The bytes an envelope takes beyond its body, for sizing chunks under NATS `max_payload`.
 *
 * @param from - The sender's name.
 * @param to - The target's name.
 * @returns The overhead in bytes.
 * @since 0.1.0
 * @internal
 */
export function envelopeOverheadBytes(from: string, to: string): number {
  return HEADER_BYTES + 2 + Buffer.byteLength(from, "utf8") + Buffer.byteLength(to, "utf8") + MAC_BYTES;
}

/**
 * Encodes and authenticates an envelope.
 *
 * @param key - The secret and cluster.
 * @param envelope - The message.
 * @returns The bytes to publish.
 * @since 0.1.0
 * @internal
 */
export function encodeEnvelope(key: EnvelopeKey, envelope: Envelope): Uint8Array {
  // Names are written straight into the message: no intermediate buffers per envelope.
  const fromBytes = Buffer.byteLength(envelope.from, "utf8");
  const toBytes = Buffer.byteLength(envelope.to, "utf8");
  assert(fromBytes <= ENDPOINT_NAME_BYTES_MAX, "endpoint names are checked when endpoints start");
  assert(toBytes <= ENDPOINT_NAME_BYTES_MAX, "endpoint names are checked when endpoints start");
  assert(envelope.channelId.byteLength === CHANNEL_ID_BYTES, "a channel id has CHANNEL_ID_BYTES bytes");
  assert(Number.isSafeInteger(envelope.seq) && envelope.seq >= 0, "a seq is a safe non-negative integer");
  const bodyAt = HEADER_BYTES + 2 + fromBytes + toBytes;
  const bytes = Buffer.allocUnsafe(bodyAt + envelope.body.byteLength + MAC_BYTES);
  bytes[0] = VERSION;
  bytes[1] = KINDS.indexOf(envelope.kind);
  bytes[2] = ROLES.indexOf(envelope.role);
  bytes[3] = envelope.flags;
  bytes.set(envelope.channelId, 4);
  bytes.writeUInt32BE(Math.floor(envelope.seq / 2 ** 32), 36);
  bytes.writeUInt32BE(envelope.seq % 2 ** 32, 40);
  bytes[HEADER_BYTES] = fromBytes;
  bytes.write(envelope.from, HEADER_BYTES + 1, "utf8");
  bytes[HEADER_BYTES + 1 + fromBytes] = toBytes;
  bytes.write(envelope.to, HEADER_BYTES + 2 + fromBytes, "utf8");
  bytes.set(envelope.body, bodyAt);
  const macAt = bytes.byteLength - MAC_BYTES;
  bytes.set(mac(key, bytes.subarray(0, macAt)), macAt);
  return bytes;
}

/**
 * Why a message was refused before anything in it was trusted.
 *
 * @remarks
 * `malformed`: too short, an unknown version, kind or role, or lengths that do not add up;
 * `forged`: the MAC does not match (no secret, a wrong secret, another cluster, or altered
 * bytes).
 * @since 0.1.0
 * @internal
 */
export type EnvelopeRefusal = "malformed" | "forged";

/**
 * Authenticates and decodes a message.
 *
 * @param key - The secret and cluster.
 * @param bytes - The message as NATS delivered it.
 * @returns The envelope (its body a view of `bytes`), or why it was refused.
 * @since 0.1.0
 * @internal
 */
export function decodeEnvelope(key: EnvelopeKey, bytes: Uint8Array): Envelope | EnvelopeRefusal {
  if (bytes.byteLength < HEADER_BYTES + 2 + MAC_BYTES || bytes[0] !== VERSION) return "malformed";
  const macAt = bytes.byteLength - MAC_BYTES;
  const expected = mac(key, bytes.subarray(0, macAt));
  // Compared in constant time, and before any other field is looked at: an unauthenticated
  // message tells the sender nothing by how it is refused.
  if (!timingSafeEqual(expected, bytes.subarray(macAt))) return "forged";
  const kind = KINDS[bytes[1] ?? 0xff];
  const role = ROLES[bytes[2] ?? 0xff];
  if (kind === undefined || role === undefined) return "malformed";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getUint32(36) * 2 ** 32 + view.getUint32(40);
  const fromBytes = bytes[HEADER_BYTES] ?? 0;
  const toAt = HEADER_BYTES + 1 + fromBytes;
  if (toAt >= macAt) return "malformed";
  const toBytes = bytes[toAt] ?? 0;
  const bodyAt = toAt + 1 + toBytes;
  if (bodyAt > macAt || !Number.isSafeInteger(seq)) return "malformed";
  let from: string;
  let to: string;
  try {
    from = decoder.decode(bytes.subarray(HEADER_BYTES + 1, toAt));
    to = decoder.decode(bytes.subarray(toAt + 1, bodyAt));
  } catch {
    // Authentic yet not UTF-8: a bug in the sender, refused like any malformed message.
    return "malformed";
  }
  return {
    kind,
    role,
    flags: bytes[3] ?? 0,
    channelId: bytes.subarray(4, 4 + CHANNEL_ID_BYTES),
    seq,
    from,
    to,
    body: bytes.subarray(bodyAt, macAt),
  };
}

/** SHA-256's block size: HMAC pads (or first hashes) its key to it. */
const SHA256_BLOCK_BYTES = 64;

/**
 * HMAC-SHA256 with the keyed part done once per key: the hash states after the inner block (key
 * XOR ipad, then the domain: label and cluster) and after the outer block (key XOR opad). Each
 * message then costs two state copies and two digests, not a key schedule (RFC 2104; the output
 * equals `createHmac("sha256", secret)` over the same bytes, which the unit tests check).
 */
interface MacState {
  readonly inner: Hash;
  readonly outer: Hash;
}

/** Per key object: endpoints keep one key for their whole life. */
const macStates = new WeakMap<EnvelopeKey, MacState>();

function macState(key: EnvelopeKey): MacState {
  const cached = macStates.get(key);
  if (cached !== undefined) return cached;
  const secret =
    key.secret.byteLength > SHA256_BLOCK_BYTES
      ? createHash("sha256").update(key.secret).digest()
      : key.secret;
  const innerPad = Buffer.alloc(SHA256_BLOCK_BYTES, 0x36);
  const outerPad = Buffer.alloc(SHA256_BLOCK_BYTES, 0x5c);
  for (let index = 0; index < secret.byteLength; index += 1) {
    innerPad[index] = (innerPad[index] ?? 0) ^ (secret[index] ?? 0);
    outerPad[index] = (outerPad[index] ?? 0) ^ (secret[index] ?? 0);
  }
  // The cluster name is length-prefixed, so no two (cluster, message) pairs feed the same bytes.
  const cluster = encoder.encode(key.cluster);
  const state: MacState = {
    inner: createHash("sha256")
      .update(innerPad)
      .update("zab-nats/1\0")
      .update(Uint8Array.of(cluster.byteLength))
      .update(cluster),
    outer: createHash("sha256").update(outerPad),
  };
  macStates.set(key, state);
  return state;
}

function mac(key: EnvelopeKey, covered: Uint8Array): Buffer {
  const { inner, outer } = macState(key);
  const innerDigest = inner.copy().update(covered).digest();
  return outer.copy().update(innerDigest).digest();
}
