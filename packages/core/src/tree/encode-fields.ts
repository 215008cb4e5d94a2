/**
 * The two-pass encoding of the codec (size, then write into an exact buffer), for the data tree's
 * own formats: transactions and snapshots carry no frame header, since they outlive any one
 * version of the wire protocol in logs and snapshot files.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import { type FrameSink, FrameSizer, FrameWriter } from "../codec/frame-writer.js";

/**
 * Encodes the fields `write` puts, into a buffer of exactly their size.
 *
 * @param subject - What is encoded, for the assertion message.
 * @param write - Puts the fields; called twice (size, then write) and must put the same fields.
 * @returns A new buffer holding exactly the fields.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain.
 * @since 0.1.0
 * @internal
 */
export function encodeFields(subject: string, write: (sink: FrameSink) => void): Uint8Array {
  const sizer = new FrameSizer();
  write(sizer);
  const bytes = new Uint8Array(sizer.byteLength);
  const writer = new FrameWriter(bytes);
  write(writer);
  // Paired check: the writer filled exactly what the sizer measured.
  assert(
    writer.byteLength === bytes.byteLength,
    () => `${subject}: wrote ${writer.byteLength} of ${bytes.byteLength} bytes`,
  );
  return bytes;
}
