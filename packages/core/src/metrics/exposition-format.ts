/**
 * The Prometheus text exposition format, version 0.0.4: what a scrape of `/metrics` returns.
 *
 * Only the pieces the registry needs: which names are legal, how label values and help text are
 * escaped, and how a sample value is spelled. The grammar is the one Prometheus documents at
 * https://prometheus.io/docs/instrumenting/exposition_formats/.
 *
 * @module
 */

/**
 * The `Content-Type` of a rendered {@link MetricsRegistry}, as an HTTP endpoint serving it must
 * send it: Prometheus picks its parser by this header.
 *
 * @since 0.1.0
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A metric name: letters, digits, underscores and colons, not starting with a digit. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A label name: letters, digits and underscores, not starting with a digit. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Whether `name` is a legal metric name.
 *
 * @param name - The candidate.
 * @returns True when Prometheus accepts it as a metric name.
 * @since 0.1.0
 * @internal
 */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/**
 * Whether `name` is a legal label name. Names starting with `__` are reserved for Prometheus.
 *
 * @param name - The candidate.
 * @returns True when a metric may carry a label of this name.
 * @since 0.1.0
 * @internal
 */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith("__");
}

/**
 * Escapes help text for a `# HELP` line: a backslash and a line feed are the only characters
 * that would otherwise end or corrupt the line.
 *
 * @param help - The help text.
 * @returns The text as it goes after the metric name.
 * @since 0.1.0
 * @internal
 */
export function escapeHelp(help: string): string {
  return help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/**
 * Escapes a label value for use between double quotes.
 *
 * @param value - The raw value.
 * @returns The value with backslashes, double quotes and line feeds escaped.
 * @since 0.1.0
 * @internal
 */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/**
 * Renders label pairs as they go between the braces of a sample: `a="x",b="y"`, in the order
 * given. Empty for no labels.
 *
 * @param labels - Label names (already validated) and raw values.
 * @returns The pairs, comma-separated, values escaped.
 * @since 0.1.0
 * @internal
 */
export function formatLabelPairs(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(",");
}

/**
 * Spells a sample value: Go's float syntax, with `+Inf`, `-Inf` and `NaN` for the values that
 * have no digits.
 *
 * @param value - The value.
 * @returns Its text form.
 * @since 0.1.0
 * @internal
 */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  // JavaScript's shortest round-trip form ("0.005", "1e+21") is valid Go float syntax.
  return String(value);
}
