/**
 * The logger `zab serve` gives its member: one line per event, readable or JSON, on a stream.
 *
 * @module
 */
import type { Logger } from "@zab/core";
import type { OutputSink } from "../command-io.js";
import type { LogFormat, LogLevel } from "../config/serve-settings.js";

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Settings of {@link lineLogger}.
 *
 * @since 0.1.0
 * @internal
 */
export interface LineLoggerOptions {
  /** `text`: `TIME LEVEL message key=value …`; `json`: one JSON object per line. */
  readonly format: LogFormat;
  /** The least severe level written. */
  readonly level: LogLevel;
  /** Where lines go. */
  readonly sink: OutputSink;
  /** Fields added to every line, such as the member's id. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** The time of a line. Default: now. */
  readonly now?: () => Date;
}

/**
 * A {@link Logger} that writes one line per call.
 *
 * @remarks
 * A text line reads `2025-01-02T03:04:05.678Z INFO  message key=value …`: strings with spaces
 * or quotes are JSON-quoted, objects are JSON, bigints are decimal, errors show their message. A
 * JSON line is `{"time":…,"level":"info","msg":…}` followed by the fields (the fixed keys win
 * over fields of the same name). Like every logger zab is given, it never throws.
 * @param options - Format, level and sink.
 * @returns The logger.
 * @since 0.1.0
 * @internal
 */
export function lineLogger(options: LineLoggerOptions): Logger {
  const threshold = SEVERITY[options.level];
  const now = options.now ?? (() => new Date());
  const format = options.format === "json" ? jsonLine : textLine;
  const log =
    (level: LogLevel) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (SEVERITY[level] < threshold) return;
      options.sink.write(`${format(now(), level, message, { ...options.base, ...fields })}\n`);
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function textLine(time: Date, level: LogLevel, message: string, fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${textValue(value)}`);
  return [time.toISOString(), level.toUpperCase().padEnd(5), message, ...pairs].join(" ");
}

function textValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null && !(value instanceof Error)) return safeJson(value);
  return String(value instanceof Error ? value.message : value);
}

function jsonLine(time: Date, level: LogLevel, message: string, fields: Record<string, unknown>): string {
  const fixed = { time: time.toISOString(), level, msg: message };
  // The first spread puts the fixed keys first in the line; the last makes them win over fields
  // of the same name.
  return safeJson({ ...fixed, ...fields, ...fixed });
}

/** JSON that cannot throw: bigints as decimal strings, errors as their message, cycles as text. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, field: unknown) => {
      if (typeof field === "bigint") return field.toString();
      if (field instanceof Error) return field.message;
      return field;
    });
  } catch {
    // A cycle: the logger must not throw, and the line still says what happened.
    return JSON.stringify(String(value));
  }
}
