// Goal: one process at a time opens a data directory. A second open, in this process or another
// live one, fails with ZabError "Locked" naming the directory and the holder's PID; the lock of a
// process that is gone (SIGKILL) is taken over and reported.
// Method: hold the lock in-process and from a child process (killed by PID at the end), and plant
// stale lock files naming dead processes, garbage, or our own PID.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { FixtureProcess } from "../../helpers/child-process.js";
import { tempDir } from "../../helpers/storage.js";

const holdLock = fileURLToPath(new URL("./fixtures/hold-lock.ts", import.meta.url));

async function lockedError(dir: string): Promise<ZabError> {
  const error = await openFileStorage({ dir }).then(
    () => expect.unreachable("the second open should have failed"),
    (caught: unknown) => caught,
  );
  expect(ZabError.isInstance(error, "Locked")).toBe(true);
  return error as ZabError;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  if (child.pid === undefined) throw new Error("could not spawn");
  return child.pid;
}

describe("directory lock", () => {
  it("refuses a second open in this process, naming the directory and PID, until the first closes", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path });
    const error = await lockedError(dir.path);
    expect(error.message).toContain(dir.path);
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(await readFile(join(dir.path, "lock"), "utf8")).toBe(`${process.pid}\n`);
    await storage.close();
    const again = await openFileStorage({ dir: dir.path });
    expect(again.recovery.events.filter((event) => event.kind === "lockTakenOver")).toEqual([]);
    await again.storage.close();
  });

  it("refuses while a live child process holds it, and takes it over once the child is killed", async () => {
    await using dir = await tempDir();
    await using child = new FixtureProcess(holdLock, [dir.path]);
    await child.waitForLine(/^locked \d+$/);
    const error = await lockedError(dir.path);
    expect(error.message).toContain(dir.path);
    expect(error.message).toContain(`process ${child.pid}`);

    await child.kill();
    const { storage, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery.events).toContainEqual({
      kind: "lockTakenOver",
      file: join(dir.path, "lock"),
      pid: child.pid,
    });
    await storage.close();
  });

  it("takes over a stale lock naming a dead process, garbage, or this process's own PID", async () => {
    await using dir = await tempDir();
    await (await openFileStorage({ dir: dir.path })).storage.close();
    const lockFile = join(dir.path, "lock");
    const dead = await deadPid();
    const cases = [
      [`${dead}\n`, dead],
      ["", undefined],
      [`${process.pid}\n`, process.pid],
    ] as const;
    for (const [content, expectedPid] of cases) {
      await writeFile(lockFile, content);
      const { storage, recovery } = await openFileStorage({ dir: dir.path });
      expect(recovery.events).toContainEqual({ kind: "lockTakenOver", file: lockFile, pid: expectedPid });
      expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
      await storage.close();
    }
  });
});
