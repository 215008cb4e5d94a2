/**
 * The directory a recipe works in: checked when the recipe is made, created (with its parents)
 * the first time a participant needs it.
 *
 * @module
 */
import { type Coordination, ZabError } from "@zab/core";
import { retrying } from "./retrying.js";

/**
 * Checks a recipe's directory path: absolute, no empty, `.` or `..` segment, no trailing slash,
 * not the root.
 *
 * @param path - The path given to a recipe's constructor.
 * @returns The path.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path.
 */
export function checkRecipePath(path: string): string {
  const segments = path.split("/").slice(1);
  const valid =
    path.startsWith("/") &&
    segments.length > 0 &&
    segments.every((segment) => segment !== "" && segment !== "." && segment !== "..");
  if (!valid) throw new ZabError("Invalid", `bad recipe path ${JSON.stringify(path)}`, { path });
  return path;
}

/**
 * Creates `path` and its missing ancestors as persistent nodes; nodes already there are fine.
 *
 * @remarks
 * The directories stay after the recipe is done with them, as ZooKeeper's own recipes leave them
 * (the data tree has no container nodes yet).
 * @param session - The session.
 * @param path - A checked path.
 * @param signal - Gives up.
 */
export async function ensurePath(
  session: Coordination,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  let prefix = "";
  for (const segment of path.split("/").slice(1)) {
    prefix = `${prefix}/${segment}`;
    const at = prefix;
    try {
      // A create retried after an unknown outcome finds its own node: NodeExists, as good as done.
      await retrying(() => session.create(at, signal === undefined ? {} : { signal }), signal);
    } catch (error) {
      if (!ZabError.isInstance(error, "NodeExists")) throw error;
    }
  }
}
