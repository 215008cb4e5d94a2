/**
 * The data directory lock: one process at a time opens a data directory.
 *
 * Node has no flock, so the lock is a file holding the holder's PID, created atomically: the PID
 * is written to a private temp file which is then hard-linked to `lock` (link fails if `lock`
 * exists, and the lock never appears half-written). An existing lock whose process is gone (a
 * SIGKILL leaves it behind) is taken over by renaming our temp file over it.
 *
 * Limits, by design of PID files: two processes taking over the same stale lock at the same
 * instant may both succeed; a stale lock whose PID was reused by an unrelated live process is
 * reported as held (remove it by hand, the message says so). Within one process, a directory
 * open twice is refused through an in-memory set, which also recognizes a stale lock that carries
 * our own PID (left by an earlier process in a PID namespace, such as a container's PID 1).
 *
 * @internal
 * @module
 */
import { link, readFile, realpath, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ZabError } from "../errors.js";
import { LOCK_FILE, TMP_SUFFIX } from "./file-names.js";

const heldByThisProcess = new Set<string>();

/**
 * A held directory lock.
 *
 * @internal
 */
export interface DirectoryLock {
  /** The canonical path of the locked directory. */
  readonly dir: string;
  /** Set when a stale lock was taken over: the PID it held (`undefined` if it held no number). */
  readonly takenOver: { readonly pid: number | undefined } | undefined;
  /** Removes the lock. Idempotent. */
  release(): Promise<void>;
}

/**
 * Locks a data directory for this process.
 *
 * @param dir - An existing directory.
 * @returns The lock.
 * @throws {@link ZabError} with code `"Locked"` naming the directory and the holder's PID when a
 *   live process (this one included) holds it.
 * @internal
 */
export async function acquireDirectoryLock(dir: string): Promise<DirectoryLock> {
  const canonical = await realpath(dir);
  const lockFile = join(canonical, LOCK_FILE);
  if (heldByThisProcess.has(canonical)) {
    throw new ZabError(
      "Locked",
      `data directory ${canonical} is already open in this process (pid ${process.pid})`,
      {
        path: canonical,
      },
    );
  }
  // Claimed before the first await below, so a concurrent open in this process fails fast.
  heldByThisProcess.add(canonical);
  try {
    const mine = `${lockFile}.${process.pid}${TMP_SUFFIX}`;
    await writeFile(mine, `${process.pid}\n`);
    let takenOver: { readonly pid: number | undefined } | undefined;
    try {
      await link(mine, lockFile);
      await unlink(mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = parsePid(await readFile(lockFile, "utf8"));
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        await unlink(mine);
        throw new ZabError(
          "Locked",
          `data directory ${canonical} is locked by process ${holder}, which is running; if that process does not use it, remove ${lockFile}`,
          { path: canonical },
        );
      }
      await rename(mine, lockFile);
      takenOver = { pid: holder };
    }
    let released = false;
    return {
      dir: canonical,
      takenOver,
      async release() {
        if (released) return;
        released = true;
        heldByThisProcess.delete(canonical);
        await unlink(lockFile);
      },
    };
  } catch (error) {
    heldByThisProcess.delete(canonical);
    throw error;
  }
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks for existence without signalling.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is alive. ESRCH: it is gone.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
