/**
 * The logger port: pino-compatible, so an application can pass its own pino logger.
 *
 * @module
 */

/**
 * A structured logger: an object of fields and a message, at four levels.
 *
 * @remarks
 * `pino` loggers satisfy this interface as they are. zab never logs payloads or secrets.
 * @since 0.1.0
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
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
