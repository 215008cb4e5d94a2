/**
 * Turns a {@link SecuritySetting} into the TCP transport's options, reading the secret or the
 * certificates from their files.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { ZabError } from "@zab/core";
import type { TcpSecurityOptions } from "@zab/transport-tcp";
import type { SecuritySetting } from "./serve-settings.js";

/**
 * Loads what a security setting names.
 *
 * @remarks
 * A secret file's trailing line break is not part of the secret, so `echo "$SECRET" > file`
 * works; every other byte is.
 * @param setting - The setting.
 * @returns Options for `listenPeers`, `listenClients` and `tcpClientDialer`.
 * @throws {@link ZabError} with code `"Invalid"` when a file cannot be read or the secret file
 *   is empty.
 * @since 0.1.0
 * @internal
 */
export async function loadSecurity(setting: SecuritySetting): Promise<TcpSecurityOptions> {
  switch (setting.kind) {
    case "secret":
      return { secret: setting.secret };
    case "secretFile": {
      const secret = (await readSecurityFile(setting.path, "secret")).toString("utf8").replace(/\r?\n$/, "");
      if (secret.length === 0) throw new ZabError("Invalid", `the secret file ${setting.path} is empty`);
      return { secret };
    }
    case "tls": {
      const [cert, key, ca] = await Promise.all([
        readSecurityFile(setting.cert, "TLS certificate"),
        readSecurityFile(setting.key, "TLS key"),
        readSecurityFile(setting.ca, "TLS CA"),
      ]);
      return { tls: { cert, key, ca } };
    }
    case "insecure":
      return { insecure: true };
  }
}

/**
 * Reads a file that holds a secret, a key or a certificate.
 *
 * @param path - The file.
 * @param what - What it holds, for the message ("TLS key").
 * @returns Its bytes.
 * @throws {@link ZabError} with code `"Invalid"` naming the file when it cannot be read.
 * @since 0.1.0
 * @internal
 */
export async function readSecurityFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZabError("Invalid", `cannot read the ${what} file ${path}: ${reason}`, { cause: error });
  }
}
