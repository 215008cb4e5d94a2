/**
 * Crash-safe file primitives: full positional writes, directory fsync, and the
 * temp-file → fdatasync → rename → fsync-directory sequence.
 *
 * A rename is atomic, but durable only once the directory itself is fsynced; and the renamed
 * file's content is durable only if it was fdatasynced before the rename. Skipping either step
 * lets a power loss leave an empty or missing file behind a write that was acknowledged.
 *
 * @internal
 * @module
 */
import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { TMP_SUFFIX } from "./file-names.js";

/**
 * Writes every byte of `buffers` at `position`, looping over short writes.
 *
 * @param handle - An open file.
 * @param buffers - The bytes, in order; not mutated.
 * @param position - The file offset of the first byte.
 * @returns The number of bytes written (their total length).
 * @internal
 */
export async function writeFully(
  handle: FileHandle,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<number> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let offset = position;
  // Each round writes at least one byte (a round that writes none throws), so the loop ends.
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, offset);
    if (bytesWritten === 0) throw new Error(`short write: no byte written at offset ${offset}`);
    offset += bytesWritten;
    let skipped = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skipped >= buffer.length) {
        skipped -= buffer.length;
      } else {
        rest.push(skipped === 0 ? buffer : buffer.subarray(skipped));
        skipped = 0;
      }
    }
    pending = rest;
  }
  return offset - position;
}

/**
 * Makes the directory's entries (created, renamed, removed files) durable.
 *
 * @param dir - The directory.
 * @internal
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `dir/name` crash-safely: after a crash it holds either its old content or all of
 * `buffers`. Writes `name.tmp`, fdatasyncs it, renames it over `name`, fsyncs the directory.
 *
 * @param dir - The directory.
 * @param name - The file's name in it.
 * @param buffers - The new content.
 * @internal
 */
export async function writeFileDurably(
  dir: string,
  name: string,
  buffers: readonly Uint8Array[],
): Promise<void> {
  const tmp = join(dir, name + TMP_SUFFIX);
  const handle = await open(tmp, "w");
  try {
    await writeFully(handle, buffers, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await fsyncDirectory(dir);
}

/**
 * Reads a whole file as a plain `Uint8Array` (not a `Buffer`, whose `slice` does not copy and
 * which compares unequal to a `Uint8Array` of the same bytes).
 *
 * @param file - The path.
 * @returns The content.
 * @internal
 */
export async function readFileBytes(file: string): Promise<Uint8Array> {
  const buffer = await readFile(file);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
