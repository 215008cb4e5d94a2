/**
 * A logger that records every call, so tests can check what was refused and why.
 *
 * @module
 */
import type { Logger } from "@zab/core";

/** The fields the transport logs, named so tests can read them. */
export interface LogFields {
  readonly reason?: unknown;
  readonly remote?: unknown;
  readonly endpoint?: unknown;
  readonly [field: string]: unknown;
}

/** One recorded call. */
export interface LogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: LogFields;
  readonly message: string;
}

/** A {@link Logger} that keeps what it is told. */
export class CaptureLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "debug", fields, message });
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "info", fields, message });
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "warn", fields, message });
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "error", fields, message });
  }

  /** The warnings whose message contains `text`. */
  warnings(text = ""): LogEntry[] {
    return this.entries.filter((entry) => entry.level === "warn" && entry.message.includes(text));
  }
}
