/**
 * Paths of the nodes a recipe owns: checking the path it was given, joining child names, and
 * creating the path's missing ancestors.
 *
 * @module
 */
import { type Coordination, ZabError } from "@zab/core";

/**
 * Checks that `path` is an absolute znode path other than the root, without a trailing slash or
 * empty segment: the node a recipe owns. The member checks the finer rules on first use.
 *
 * @param path - The recipe's path.
 * @param what - The recipe, for the message.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` otherwise.
 * @internal
 */
export function checkRecipePath(path: string, what: string): void {
  if (!path.startsWith("/") || path === "/" || path.endsWith("/") || path.includes("//")) {
    throw new ZabError(
      "Invalid",
      `${what} needs an absolute path other than "/", got ${JSON.stringify(path)}`,
      {
        path,
      },
    );
  }
}

/**
 * The path of child `name` of `parent`.
 *
 * @param parent - The parent's path.
 * @param name - The child's name.
 * @returns `parent/name`.
 * @internal
 */
export function childPath(parent: string, name: string): string {
  return `${parent}/${name}`;
}

/**
 * Creates `path` and any missing ancestor as empty persistent nodes; a node already there is
 * left as it is.
 *
 * @remarks
 * Each create is idempotent (`"NodeExists"` means done), so a caller retries the whole call after
 * a transient failure.
 * @param session - The session.
 * @param path - The node to make sure of.
 * @param signal - Bounds the calls.
 * @throws {@link @zab/core!ZabError} as the session's calls do, `"NodeExists"` excepted.
 * @internal
 */
export async function ensurePath(session: Coordination, path: string, signal: AbortSignal): Promise<void> {
  const segments = path.split("/").slice(1);
  for (let depth = 1; depth <= segments.length; depth += 1) {
    const prefix = `/${segments.slice(0, depth).join("/")}`;
    try {
      await session.create(prefix, { signal });
    } catch (error) {
      // Already there: someone (maybe an earlier attempt of ours) created it.
      if (!ZabError.isInstance(error, "NodeExists")) throw error;
    }
  }
}
