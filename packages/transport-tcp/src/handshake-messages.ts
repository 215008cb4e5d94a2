/**
 * The four messages of the connection handshake, and their strict binary encoding.
 *
 * Every connection, peer or client, secret, TLS or insecure, opens with the same exchange, each
 * message one length-prefixed frame of at most {@link HANDSHAKE_BYTES_MAX} bytes:
 *
 * 1. HELLO (dialer → acceptor): role, the dialer's id (0 for a client), the id of the member it
 *    means to reach, a fresh nonce.
 * 2. CHALLENGE (acceptor → dialer): the acceptor's id and its fresh nonce.
 * 3. PROOF (dialer → acceptor): with a secret, the dialer's proof over both nonces and both ids.
 * 4. RESULT (acceptor → dialer): whether the acceptor took the connection as the channel, and
 *    with a secret (unless it refused) the acceptor's own proof over the same transcript. Frames
 *    follow an accepted RESULT directly, on both sides.
 *
 * The dialer proves first, as in ZooKeeper's DIGEST-MD5 exchange: a stranger who merely connects
 * to a member gets no MAC to run a dictionary attack against; and the acceptor proves before a
 * single frame flows either way.
 *
 * Decoding accepts exactly these layouts and nothing else: a wrong magic, version, type or length
 * is garbage and closes the connection.
 *
 * @module
 */
import { assert, ZabError } from "@zab/core";

/**
 * The largest handshake message accepted: the longest (HELLO) is 47 bytes.
 *
 * @since 0.1.0
 * @internal
 */
export const HANDSHAKE_BYTES_MAX = 128;

/**
 * Bytes of each side's nonce.
 *
 * @since 0.1.0
 * @internal
 */
export const NONCE_BYTES = 32;

/**
 * Bytes of a proof (an HMAC-SHA256).
 *
 * @since 0.1.0
 * @internal
 */
export const PROOF_BYTES = 32;

/** "ZABT": tells a zab TCP endpoint from anything else that reached the port. */
const MAGIC = [0x5a, 0x41, 0x42, 0x54] as const;
/** The version of this handshake; a different one is refused, never guessed at. */
const HANDSHAKE_VERSION = 1;
const HEADER_BYTES = MAGIC.length + 2;

const TYPE_HELLO = 1;
const TYPE_CHALLENGE = 2;
const TYPE_PROOF = 3;
const TYPE_RESULT = 4;

/**
 * Who is dialing: a member opening a peer channel, or a client opening a session channel.
 *
 * @since 0.1.0
 * @internal
 */
export type HandshakeRole = "peer" | "client";

const ROLE_CODES: Readonly<Record<HandshakeRole, number>> = { peer: 1, client: 2 };

/**
 * What the acceptor decided about a connection.
 *
 * - `accepted`: it is the channel from now on.
 * - `callBack`: the dialer's id is the smaller one; only connections dialed by the larger id carry
 *   a channel (ZooKeeper's rule), so the acceptor will dial back (or already has) and the dialer
 *   waits for that connection.
 * - `notListening`: the acceptor has nobody to hand the channel to yet; try again later.
 * - `refused`: the dialer failed a check (identity, membership, secret).
 *
 * @since 0.1.0
 * @internal
 */
export type HandshakeOutcome = "accepted" | "callBack" | "notListening" | "refused";

const OUTCOME_CODES: Readonly<Record<HandshakeOutcome, number>> = {
  accepted: 0,
  callBack: 1,
  notListening: 2,
  refused: 3,
};

/**
 * HELLO, the dialer's opening message.
 *
 * @since 0.1.0
 * @internal
 */
export interface Hello {
  readonly role: HandshakeRole;
  /** The dialing member's id, or 0 for a client. */
  readonly dialerId: number;
  /** The member the dialer means to reach. */
  readonly acceptorId: number;
  readonly nonce: Uint8Array;
}

/**
 * CHALLENGE, the acceptor's answer.
 *
 * @since 0.1.0
 * @internal
 */
export interface Challenge {
  readonly acceptorId: number;
  readonly nonce: Uint8Array;
}

/**
 * RESULT, the acceptor's decision.
 *
 * @since 0.1.0
 * @internal
 */
export interface Result {
  readonly outcome: HandshakeOutcome;
  /** The acceptor's proof, or empty when no secret is in use or the dialer was refused. */
  readonly proof: Uint8Array;
}

/**
 * Thrown for bytes that are not the handshake message expected.
 *
 * @since 0.1.0
 * @internal
 */
export function malformed(what: string): ZabError {
  return new ZabError("BadFrame", `malformed handshake: ${what}`);
}

class Writer {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(type: number, bodyBytes: number) {
    this.bytes = new Uint8Array(HEADER_BYTES + bodyBytes);
    this.#view = new DataView(this.bytes.buffer);
    this.bytes.set(MAGIC, 0);
    this.bytes[MAGIC.length] = HANDSHAKE_VERSION;
    this.bytes[MAGIC.length + 1] = type;
    this.#offset = HEADER_BYTES;
  }

  u8(value: number): void {
    this.#view.setUint8(this.#offset, value);
    this.#offset += 1;
  }

  u32(value: number): void {
    this.#view.setUint32(this.#offset, value, false);
    this.#offset += 4;
  }

  raw(value: Uint8Array): void {
    this.bytes.set(value, this.#offset);
    this.#offset += value.byteLength;
  }
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = HEADER_BYTES;

  constructor(bytes: Uint8Array, type: number, name: string) {
    if (bytes.byteLength < HEADER_BYTES) throw malformed(`${name} is too short`);
    for (let index = 0; index < MAGIC.length; index += 1) {
      if (bytes[index] !== MAGIC[index]) throw malformed("not a zab handshake (bad magic)");
    }
    if (bytes[MAGIC.length] !== HANDSHAKE_VERSION) {
      throw malformed(`handshake version ${bytes[MAGIC.length]}, expected ${HANDSHAKE_VERSION}`);
    }
    if (bytes[MAGIC.length + 1] !== type)
      throw malformed(`expected ${name}, got type ${bytes[MAGIC.length + 1]}`);
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  u8(): number {
    if (this.remaining < 1) throw malformed("truncated message");
    const value = this.#view.getUint8(this.#offset);
    this.#offset += 1;
    return value;
  }

  u32(): number {
    if (this.remaining < 4) throw malformed("truncated message");
    const value = this.#view.getUint32(this.#offset, false);
    this.#offset += 4;
    return value;
  }

  raw(length: number): Uint8Array {
    if (this.remaining < length) throw malformed("truncated message");
    const value = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  /** Reads a proof: its length byte, then 0 or {@link PROOF_BYTES} bytes. */
  proof(): Uint8Array {
    const length = this.u8();
    if (length !== 0 && length !== PROOF_BYTES) throw malformed(`a proof of ${length} bytes`);
    return this.raw(length);
  }

  end(name: string): void {
    if (this.remaining !== 0) throw malformed(`${this.remaining} trailing bytes after ${name}`);
  }
}

function codeOf<Name extends string>(
  codes: Readonly<Record<Name, number>>,
  code: number,
  what: string,
): Name {
  for (const [name, value] of Object.entries(codes) as [Name, number][]) if (value === code) return name;
  throw malformed(`unknown ${what} ${code}`);
}

function checkNonce(nonce: Uint8Array): void {
  assert(nonce.byteLength === NONCE_BYTES, "a nonce has NONCE_BYTES bytes");
}

/**
 * Encodes HELLO.
 *
 * @param hello - The message.
 * @returns Its bytes.
 * @since 0.1.0
 * @internal
 */
export function encodeHello(hello: Hello): Uint8Array {
  checkNonce(hello.nonce);
  const writer = new Writer(TYPE_HELLO, 1 + 4 + 4 + NONCE_BYTES);
  writer.u8(ROLE_CODES[hello.role]);
  writer.u32(hello.dialerId);
  writer.u32(hello.acceptorId);
  writer.raw(hello.nonce);
  return writer.bytes;
}

/**
 * Decodes HELLO.
 *
 * @param bytes - One handshake frame.
 * @returns The message.
 * @throws {@link @zab/core!ZabError} with code `"BadFrame"` for anything but a well-formed HELLO.
 * @since 0.1.0
 * @internal
 */
export function decodeHello(bytes: Uint8Array): Hello {
  const reader = new Reader(bytes, TYPE_HELLO, "HELLO");
  const role = codeOf(ROLE_CODES, reader.u8(), "role");
  const dialerId = reader.u32();
  const acceptorId = reader.u32();
  const nonce = reader.raw(NONCE_BYTES);
  reader.end("HELLO");
  return { role, dialerId, acceptorId, nonce };
}

/**
 * Encodes CHALLENGE.
 *
 * @param challenge - The message.
 * @returns Its bytes.
 * @since 0.1.0
 * @internal
 */
export function encodeChallenge(challenge: Challenge): Uint8Array {
  checkNonce(challenge.nonce);
  const writer = new Writer(TYPE_CHALLENGE, 4 + NONCE_BYTES);
  writer.u32(challenge.acceptorId);
  writer.raw(challenge.nonce);
  return writer.bytes;
}

/**
 * Decodes CHALLENGE.
 *
 * @param bytes - One handshake frame.
 * @returns The message.
 * @throws {@link @zab/core!ZabError} with code `"BadFrame"` for anything but a well-formed CHALLENGE.
 * @since 0.1.0
 * @internal
 */
export function decodeChallenge(bytes: Uint8Array): Challenge {
  const reader = new Reader(bytes, TYPE_CHALLENGE, "CHALLENGE");
  const acceptorId = reader.u32();
  const nonce = reader.raw(NONCE_BYTES);
  reader.end("CHALLENGE");
  return { acceptorId, nonce };
}

/**
 * Encodes PROOF.
 *
 * @param proof - The dialer's proof, or empty when no secret is in use.
 * @returns Its bytes.
 * @since 0.1.0
 * @internal
 */
export function encodeProof(proof: Uint8Array): Uint8Array {
  const writer = new Writer(TYPE_PROOF, 1 + proof.byteLength);
  writer.u8(proof.byteLength);
  writer.raw(proof);
  return writer.bytes;
}

/**
 * Decodes PROOF.
 *
 * @param bytes - One handshake frame.
 * @returns The dialer's proof (empty when no secret is in use).
 * @throws {@link @zab/core!ZabError} with code `"BadFrame"` for anything but a well-formed PROOF.
 * @since 0.1.0
 * @internal
 */
export function decodeProof(bytes: Uint8Array): Uint8Array {
  const reader = new Reader(bytes, TYPE_PROOF, "PROOF");
  const proof = reader.proof();
  reader.end("PROOF");
  return proof;
}

/**
 * Encodes RESULT.
 *
 * @param result - The acceptor's decision and proof.
 * @returns Its bytes.
 * @since 0.1.0
 * @internal
 */
export function encodeResult(result: Result): Uint8Array {
  const writer = new Writer(TYPE_RESULT, 1 + 1 + result.proof.byteLength);
  writer.u8(OUTCOME_CODES[result.outcome]);
  writer.u8(result.proof.byteLength);
  writer.raw(result.proof);
  return writer.bytes;
}

/**
 * Decodes RESULT.
 *
 * @param bytes - One handshake frame.
 * @returns The acceptor's decision and proof.
 * @throws {@link @zab/core!ZabError} with code `"BadFrame"` for anything but a well-formed RESULT.
 * @since 0.1.0
 * @internal
 */
export function decodeResult(bytes: Uint8Array): Result {
  const reader = new Reader(bytes, TYPE_RESULT, "RESULT");
  const outcome = codeOf(OUTCOME_CODES, reader.u8(), "outcome");
  const proof = reader.proof();
  reader.end("RESULT");
  return { outcome, proof };
}
