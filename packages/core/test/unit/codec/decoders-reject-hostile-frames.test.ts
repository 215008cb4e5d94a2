// Goal: no frame, however malformed, makes a decoder do anything but return one message or throw
// ZabError "BadFrame" — never a RangeError, a TypeError, a hang or an allocation larger than the
// frame. This is the codec's share of "Bad inputs" 1–5 in research/reliability.md: truncated
// frames, oversize frames, trailing garbage, random bytes, wrong versions and unknown types.
//
// Method: the same battery runs against each of the four decoders (peer, client to member,
// member to client, status response). Properties over valid messages check that every strict prefix of an
// encoding is rejected, that any suffix is rejected as trailing bytes, and that frameBytesMax is
// enforced before parsing. Properties over random byte strings and over random mutations of
// valid frames (flips, insertions, deletions, overwrites) check the "message or BadFrame"
// contract, and that whatever does decode re-encodes to exactly the same bytes (the encoding is
// canonical, so two different frames never mean the same message). fast-check picks the seeds
// and prints the seed and path of any failure for replay.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeClientToMember,
  decodeMemberToClient,
  decodeStatusResponse,
  encodeClientToMember,
  encodeMemberToClient,
  encodeStatusResponse,
} from "../../../src/codec/client-codec.js";
import {
  FRAME_BYTES_MAX_DEFAULT,
  type FrameDecodeOptions,
  PROTOCOL_VERSION,
} from "../../../src/codec/frame.js";
import { decodePeerMessage, encodePeerMessage } from "../../../src/codec/peer-codec.js";
import { ZabError } from "../../../src/errors.js";
import {
  type ArbitraryOptions,
  clientToMemberArbitraries,
  concat,
  expectBadFrame,
  memberToClientArbitraries,
  peerMessageArbitrary,
  statusResponseArbitrary,
} from "./arbitraries.js";

interface Codec<Message> {
  readonly name: string;
  /** How the decoder's errors name the frame, e.g. `"client frame"`. */
  readonly family: string;
  readonly encode: (message: Message) => Uint8Array;
  readonly decode: (frame: Uint8Array, options?: FrameDecodeOptions) => Message;
  readonly arbitrary: (options: ArbitraryOptions) => fc.Arbitrary<Message>;
  /** The type codes this decoder accepts, from docs/architecture/wire-format.md. */
  readonly typeCodes: readonly number[];
}

type Mutation =
  | { readonly kind: "flip"; readonly position: number; readonly mask: number }
  | { readonly kind: "set"; readonly position: number; readonly value: number }
  | { readonly kind: "insert"; readonly position: number; readonly value: number }
  | { readonly kind: "delete"; readonly position: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip"), position: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant("set"),
    position: fc.nat(),
    value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff),
  }),
  fc.record({ kind: fc.constant("insert"), position: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("delete"), position: fc.nat() }),
);

function mutate(frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(frame);
  for (const mutation of mutations) {
    const position = mutation.position % (bytes.length + 1);
    switch (mutation.kind) {
      case "flip":
        if (position < bytes.length) bytes[position] = (bytes[position] ?? 0) ^ mutation.mask;
        break;
      case "set":
        if (position < bytes.length) bytes[position] = mutation.value;
        break;
      case "insert":
        bytes = [...bytes.slice(0, position), mutation.value, ...bytes.slice(position)];
        break;
      case "delete":
        bytes = [...bytes.slice(0, position), ...bytes.slice(position + 1)];
        break;
    }
  }
  return Uint8Array.from(bytes);
}

/** A deterministic pseudo-random megabyte (xorshift32), for the "1 MiB of random bytes" case. */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Decodes and, if that succeeds, checks the result re-encodes to the very same bytes. */
function decodesCanonicallyOrRejects<Message>(codec: Codec<Message>, frame: Uint8Array): void {
  let message: Message;
  try {
    message = codec.decode(frame);
  } catch (error) {
    expect(ZabError.isInstance(error, "BadFrame"), `expected BadFrame, got ${String(error)}`).toBe(true);
    return;
  }
  expect(codec.encode(message)).toStrictEqual(frame);
}

function describeHostileFrames<Message>(codec: Codec<Message>): void {
  describe(`${codec.name} decoder`, () => {
    const small = codec.arbitrary({ large: false });
    const frames = small.map(codec.encode);

    it("rejects every strict prefix of a valid frame, the empty frame included", () => {
      fc.assert(
        fc.property(frames, (frame) => {
          for (let length = 0; length < frame.byteLength; length++) {
            expectBadFrame(() => codec.decode(frame.subarray(0, length)));
          }
        }),
        { numRuns: 50 },
      );
    });

    it("rejects trailing bytes after a valid message", () => {
      fc.assert(
        fc.property(frames, fc.uint8Array({ minLength: 1, maxLength: 16 }), (frame, suffix) => {
          expect(expectBadFrame(() => codec.decode(concat(frame, suffix)))).toContain(
            `${suffix.byteLength} trailing bytes`,
          );
        }),
      );
    });

    it("rejects any version byte but PROTOCOL_VERSION", () => {
      fc.assert(
        fc.property(frames, fc.integer({ min: 0, max: 255 }), (frame, version) => {
          fc.pre(version !== PROTOCOL_VERSION);
          const wrong = frame.slice();
          wrong[0] = version;
          expect(expectBadFrame(() => codec.decode(wrong))).toContain(
            `version at byte 0: protocol version ${version}`,
          );
        }),
      );
    });

    it("rejects every type code it does not know", () => {
      for (let type = 0; type <= 255; type++) {
        if (codec.typeCodes.includes(type)) continue;
        expect(expectBadFrame(() => codec.decode(Uint8Array.of(PROTOCOL_VERSION, type, 0, 0, 0, 0)))).toBe(
          `${codec.family}: type at byte 1: unknown code ${type}`,
        );
      }
    });

    it("checks frameBytesMax before parsing anything", () => {
      fc.assert(
        fc.property(frames, (frame) => {
          expect(codec.decode(frame, { frameBytesMax: frame.byteLength })).toBeDefined();
          expect(
            expectBadFrame(() => codec.decode(frame, { frameBytesMax: frame.byteLength - 1 })),
          ).toContain(`${frame.byteLength} bytes exceeds frameBytesMax ${frame.byteLength - 1}`);
          // With a bad version too, the size is still what is reported: it was checked first.
          const badVersion = frame.slice();
          badVersion[0] = 0xff;
          expect(
            expectBadFrame(() => codec.decode(badVersion, { frameBytesMax: frame.byteLength - 1 })),
          ).toContain("exceeds frameBytesMax");
        }),
      );
    });

    it("rejects a frame over the default limit of 4 MiB unread, and accepts one at the limit", () => {
      const oversize = new Uint8Array(FRAME_BYTES_MAX_DEFAULT + 1);
      expect(expectBadFrame(() => codec.decode(oversize))).toContain(
        `exceeds frameBytesMax ${FRAME_BYTES_MAX_DEFAULT}`,
      );
      // At the limit the frame is parsed (and this one, all zeros, fails on its version).
      expect(expectBadFrame(() => codec.decode(oversize.subarray(1)))).toContain("version at byte 0");
    });

    it("returns a message or throws BadFrame on random bytes, nothing else", () => {
      const headed = fc
        .tuple(fc.constantFrom(...codec.typeCodes), fc.uint8Array({ maxLength: 128 }))
        .map(([type, body]) => concat(Uint8Array.of(PROTOCOL_VERSION, type), body));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), headed), (frame) => {
          decodesCanonicallyOrRejects(codec, frame);
        }),
        { numRuns: 1000 },
      );
    });

    it("returns a message or throws BadFrame on a megabyte of noise behind every valid header", () => {
      const body = noise(1024 * 1024, 0x9e37_79b9);
      for (const type of codec.typeCodes) {
        decodesCanonicallyOrRejects(codec, concat(Uint8Array.of(PROTOCOL_VERSION, type), body));
      }
    });

    it("returns a message or throws BadFrame on mutations of valid frames", () => {
      fc.assert(
        fc.property(
          frames,
          fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
          (frame, mutations) => {
            decodesCanonicallyOrRejects(codec, mutate(frame, mutations));
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
}

describeHostileFrames({
  name: "peer",
  family: "peer frame",
  encode: encodePeerMessage,
  decode: decodePeerMessage,
  arbitrary: peerMessageArbitrary,
  typeCodes: [1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 17, 18, 20, 21, 22, 23],
});

describeHostileFrames({
  name: "client to member",
  family: "client frame",
  encode: encodeClientToMember,
  decode: decodeClientToMember,
  arbitrary: (options) => fc.oneof(...Object.values(clientToMemberArbitraries(options))),
  typeCodes: [100, 102, 105],
});

describeHostileFrames({
  name: "member to client",
  family: "client frame",
  encode: encodeMemberToClient,
  decode: decodeMemberToClient,
  arbitrary: (options) => fc.oneof(...Object.values(memberToClientArbitraries(options))),
  typeCodes: [101, 103, 104],
});

describeHostileFrames({
  name: "status response",
  family: "status frame",
  encode: encodeStatusResponse,
  decode: decodeStatusResponse,
  arbitrary: () => statusResponseArbitrary,
  typeCodes: [106],
});
