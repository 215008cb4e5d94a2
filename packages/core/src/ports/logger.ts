/**
 * The logger port: pino-compatible, so an application can pass its own pino logger.
 *
 * @module
 */

/**
 * A structured logger: an object of fields and a message, at four levels.
 *
 * @remarks
 * `pino` loggers satisfy this interface as they are. zab never logs payloads or secrets. Calls
 * are synchronous and must not throw: zab makes them from inside its event handlers and does not
 * catch what a logger throws.
 * @since 0.1.0
 */
export interface Logger {
  /**
   * Logs detail useful only when diagnosing a member.
   *
   * @param fields - Structured context, such as `peer`, `zxid` or `epoch`; zab passes a fresh
   *   object on every call, so the logger may keep it.
   * @param message - A sentence for humans.
   */
  debug(fields: Record<string, unknown>, message: string): void;
  /**
   * Logs a normal event an operator wants to see, such as a role or phase change or a snapshot
   * saved.
   *
   * @param fields - Structured context; the logger may keep it.
   * @param message - A sentence for humans, such as the reason for a role change.
   */
  info(fields: Record<string, unknown>, message: string): void;
  /**
   * Logs a problem the member survives, such as a peer dropped for an undecodable frame or an
   * illegal message.
   *
   * @param fields - Structured context; the logger may keep it.
   * @param message - A sentence for humans.
   */
  warn(fields: Record<string, unknown>, message: string): void;
  /**
   * Logs a failure that stops the member, such as a storage error (fail-stop), or one that needs
   * an operator at once, such as a replica whose state diverged from its leader's.
   *
   * @param fields - Structured context; the logger may keep it.
   * @param message - A sentence for humans.
   */
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * A logger that discards everything; the default.
 *
 * @since 0.1.0
 */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
