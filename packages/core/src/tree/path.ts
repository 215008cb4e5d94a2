/**
 * ZooKeeper's znode path rules, and the names of sequential nodes.
 *
 * A path is absolute ("/" then segments joined by "/"), has no empty, "." or ".." segment, no
 * trailing "/" except the root, and none of the characters ZooKeeper's `PathUtils.validatePath`
 * forbids: NUL, the C0 and C1 controls (U+0001–U+001F, U+007F–U+009F), U+D800–U+F8FF (which
 * covers every surrogate, so no character outside the Basic Multilingual Plane, and the private
 * use area) and U+FFF0–U+FFFF. Keeping these rules identical to ZooKeeper's means a path valid in
 * one is valid in the other, and since no surrogate is allowed, a valid path's UTF-8 size is a
 * simple sum over its UTF-16 code units.
 *
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#ch_zkDataModel | ZooKeeper data model}
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";

/**
 * The largest sequence number a sequential node can get: 9,999,999,999, the most that fits the
 * 10-digit, zero-padded suffix.
 *
 * @remarks
 * ZooKeeper formats the parent's `cversion`, a Java int, with `%010d`, so its counter wraps to
 * negative numbers after 2^31 - 1 children created (ZOOKEEPER-4706). Here the counter never
 * wraps: a sequential create whose counter would exceed this value fails with `Invalid`.
 * @since 0.1.0
 */
export const SEQUENCE_MAX = 9_999_999_999;

/** Digits in a sequential node's suffix, zero-padded. */
const SEQUENCE_DIGITS = 10;

/** How much of a path an error message quotes, so a huge path does not make a huge message. */
const QUOTED_PATH_CHARS_MAX = 200;

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Checks a path's syntax without throwing: the reason it is invalid, or `undefined`.
 *
 * @remarks
 * For a sequential create, `path` is the prefix the member appends the counter to, so it is
 * checked as if a digit followed it: "/queue/" and "/" are then valid prefixes. No size limit is
 * applied here: the data tree calls this on every apply, where only rules that every member
 * shares may decide an outcome.
 * @param path - The path, or the prefix of a sequential node's path.
 * @param sequential - Whether the 10-digit counter will be appended.
 * @returns Why the path is invalid, or `undefined` when it is valid.
 * @since 0.1.0
 * @internal
 */
export function pathProblem(path: string, sequential: boolean): string | undefined {
  const length = path.length;
  if (length === 0) return "is empty";
  if (path.charCodeAt(0) !== SLASH) return 'must start with "/"';
  // A sequential prefix is followed by digits, so its last segment is never empty, "." or "..".
  const end = sequential ? length + 1 : length;
  if (end === 1) return undefined;
  let segmentStart = 1;
  for (let index = 1; index <= end; index++) {
    const unit = index < length ? path.charCodeAt(index) : index === length && sequential ? 0x30 : SLASH;
    if (unit === SLASH) {
      const segmentLength = index - segmentStart;
      if (segmentLength === 0) {
        return index === length ? 'must not end with "/"' : `has an empty segment at index ${index}`;
      }
      if (
        path.charCodeAt(segmentStart) === DOT &&
        (segmentLength === 1 || (segmentLength === 2 && path.charCodeAt(segmentStart + 1) === DOT))
      ) {
        return `has a relative segment "${path.slice(segmentStart, index)}" at index ${segmentStart}`;
      }
      segmentStart = index + 1;
    } else if (isForbidden(unit)) {
      return `has the forbidden character U+${unit.toString(16).toUpperCase().padStart(4, "0")} at index ${index}`;
    }
  }
  return undefined;
}

/**
 * Checks a path against ZooKeeper's rules and a size limit.
 *
 * @param path - The path, or the prefix of a sequential node's path.
 * @param options - `sequential`: the 10-digit counter will be appended, so a trailing "/" is
 *   allowed, as in "/queue/"; `pathBytesMax`: the largest UTF-8 size of the path, suffix included.
 * @returns The path's size in UTF-8 bytes, suffix excluded.
 * @throws {@link ZabError} with code `"Invalid"`, carrying `path`, when the path breaks a rule or
 *   exceeds `pathBytesMax`.
 * @example
 * ```ts
 * import { validatePath } from "@zab/core";
 * validatePath("/locks/lock-", { sequential: true, pathBytesMax: 4096 }); // 12
 * validatePath("/a//b", { sequential: false, pathBytesMax: 4096 }); // throws Invalid
 * ```
 * @since 0.1.0
 */
export function validatePath(
  path: string,
  options: { readonly sequential: boolean; readonly pathBytesMax: number },
): number {
  const problem = pathProblem(path, options.sequential);
  if (problem !== undefined) throw new ZabError("Invalid", `path ${quotePath(path)} ${problem}`, { path });
  const bytes = utf8Bytes(path);
  const createdBytes = options.sequential ? bytes + SEQUENCE_DIGITS : bytes;
  if (createdBytes > options.pathBytesMax) {
    throw new ZabError(
      "Invalid",
      `path ${quotePath(path)} is ${createdBytes} bytes, over pathBytesMax ${options.pathBytesMax}`,
      { path },
    );
  }
  return bytes;
}

/**
 * The path of a node's parent.
 *
 * @param path - A valid path other than the root.
 * @returns The parent's path: "/" for a child of the root.
 * @throws {@link ZabError} with code `"Invalid"` for the root, which has no parent.
 * @example
 * ```ts
 * import { parentOf } from "@zab/core";
 * parentOf("/a/b"); // "/a"
 * parentOf("/a"); // "/"
 * ```
 * @since 0.1.0
 */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  if (path.length <= 1 || slash < 0) {
    throw new ZabError("Invalid", `path ${quotePath(path)} has no parent`, { path });
  }
  return slash === 0 ? "/" : path.slice(0, slash);
}

/**
 * The last segment of a path: the name a node has among its parent's children.
 *
 * @param path - A valid path.
 * @returns The name; the empty string for the root.
 * @example
 * ```ts
 * import { nodeName } from "@zab/core";
 * nodeName("/a/b"); // "b"
 * ```
 * @since 0.1.0
 */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The path of a node's child.
 *
 * @param parentPath - A valid path.
 * @param name - A child's name.
 * @returns The child's path.
 * @since 0.1.0
 * @internal
 */
export function childPath(parentPath: string, name: string): string {
  return parentPath === "/" ? `/${name}` : `${parentPath}/${name}`;
}

/**
 * The path of a sequential node: the prefix followed by the counter, zero-padded to 10 digits.
 *
 * @param prefix - The path the client asked for.
 * @param counter - The parent's child-creation counter (its `cversion`, never wrapped).
 * @returns For example `"/q/item-0000000042"`.
 * @throws {@link ZabError} with code `"Invalid"`, carrying `prefix`, when `counter` exceeds
 *   {@link SEQUENCE_MAX}: the counter never wraps.
 * @throws {@link AssertionError} when `counter` is not a non-negative safe integer.
 * @example
 * ```ts
 * import { sequentialPath } from "@zab/core";
 * sequentialPath("/q/item-", 42); // "/q/item-0000000042"
 * ```
 * @since 0.1.0
 */
export function sequentialPath(prefix: string, counter: number): string {
  assert(Number.isSafeInteger(counter) && counter >= 0, `bad sequence counter ${counter}`);
  if (counter > SEQUENCE_MAX) {
    throw new ZabError(
      "Invalid",
      `sequence counter of ${quotePath(prefix)} would exceed ${SEQUENCE_MAX}; it never wraps`,
      { path: prefix },
    );
  }
  return prefix + String(counter).padStart(SEQUENCE_DIGITS, "0");
}

/**
 * Quotes a path for an error message: escaped, so control characters cannot forge log lines, and
 * cut short when long.
 *
 * @param path - Any string.
 * @returns The quoted text.
 * @since 0.1.0
 * @internal
 */
export function quotePath(path: string): string {
  return JSON.stringify(
    path.length > QUOTED_PATH_CHARS_MAX ? `${path.slice(0, QUOTED_PATH_CHARS_MAX)}…` : path,
  );
}

/** ZooKeeper's forbidden code units; NUL is among them, and so is every surrogate. */
function isForbidden(unit: number): boolean {
  return (
    unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f) || (unit >= 0xd800 && unit <= 0xf8ff) || unit >= 0xfff0
  );
}

/** The UTF-8 size of a string without surrogates, which every valid path is. */
function utf8Bytes(path: string): number {
  let bytes = 0;
  for (let index = 0; index < path.length; index++) {
    const unit = path.charCodeAt(index);
    bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  }
  return bytes;
}
