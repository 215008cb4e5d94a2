/**
 * How `zab status` shows the reports: an aligned table for people, or JSON for scripts.
 *
 * @module
 */
import { formatZxid } from "@zab/core";
import { formatTable } from "../format/table.js";
import type { MemberReport } from "./ensemble-status.js";

const HEADER = [
  "ID",
  "ADDRESS",
  "ROLE",
  "PHASE",
  "LEADER",
  "EPOCH",
  "LAST LOGGED",
  "COMMITTED",
  "APPLIED",
  "LAG",
  "SESSIONS",
  "CONNECTIONS",
  "WATCHES",
] as const;

/**
 * The reports as a table, one row per member, then one line per member that did not answer
 * saying why.
 *
 * @param reports - The reports.
 * @returns The text.
 * @since 0.1.0
 * @internal
 */
export function statusTable(reports: readonly MemberReport[]): string {
  const rows = reports.map((report) => {
    const address = report.endpoint;
    if (!report.answered)
      return [String(report.id), address, "unreachable", ...HEADER.slice(3).map(() => "-")];
    const { status } = report;
    return [
      String(report.id),
      address,
      status.role,
      status.phase,
      status.leader === undefined ? "-" : String(status.leader),
      status.epoch === undefined ? "-" : String(status.epoch),
      formatZxid(status.lastLoggedZxid),
      formatZxid(status.committedZxid),
      formatZxid(status.appliedZxid),
      report.lag === undefined ? "-" : String(report.lag),
      String(status.sessions),
      String(status.connections),
      String(status.watches),
    ];
  });
  const reasons = reports.flatMap((report) =>
    report.answered
      ? []
      : [`member ${report.id} (${report.endpoint}): ${report.error.code}: ${report.error.message}\n`],
  );
  return formatTable(HEADER, rows) + reasons.join("");
}

/**
 * The reports as one JSON document: `{ "members": [...] }`, zxids as hex strings, unknown values
 * as `null`.
 *
 * @param reports - The reports.
 * @returns The JSON text, with a final line break.
 * @since 0.1.0
 * @internal
 */
export function statusJson(reports: readonly MemberReport[]): string {
  const members = reports.map((report) => {
    const address = report.endpoint;
    if (!report.answered) return { id: report.id, address, reachable: false, error: report.error };
    const { status } = report;
    return {
      id: report.id,
      address,
      reachable: true,
      role: status.role,
      phase: status.phase,
      leader: status.leader ?? null,
      epoch: status.epoch ?? null,
      lastLoggedZxid: formatZxid(status.lastLoggedZxid),
      committedZxid: formatZxid(status.committedZxid),
      appliedZxid: formatZxid(status.appliedZxid),
      lag: report.lag ?? null,
      sessions: status.sessions,
      connections: status.connections,
      watches: status.watches,
      digest: `0x${status.digest.toString(16).padStart(16, "0")}`,
    };
  });
  return `${JSON.stringify({ members }, null, 2)}\n`;
}
