/**
 * CPU time and system calls of processes, read from Linux's `/proc`: what a level of load cost
 * each process, per operation. On a 2-core machine running a client and three members, the sum
 * of their CPU time per operation bounds the throughput (2 s of CPU per second), whatever the
 * latency; the split shows which process pays.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** One process's counters at one moment. */
interface Usage {
  /** User plus system CPU time, in microseconds. */
  readonly cpuMicros: number;
  /** Read-like plus write-like system calls (`syscr` + `syscw`). */
  readonly syscalls: number;
}

/** The clock ticks per second of `/proc/<pid>/stat` times: 100 on every Linux Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Reads a process's counters, or `undefined` where `/proc` does not have them (not Linux, gone). */
function readUsage(pid: number): Usage | undefined {
  try {
    // The command name in parentheses may hold spaces; the fields after it are space-separated.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    const count = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? Number.NaN);
    return {
      cpuMicros: (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND,
      syscalls: count("syscr") + count("syscw"),
    };
  } catch {
    return undefined;
  }
}

/** A process to account for. */
export interface AccountedProcess {
  /** Its name in the table, e.g. `client` or `m2 (leader)`. */
  readonly label: string;
  readonly pid: number;
}

/**
 * Counts what some processes spend over an interval.
 *
 * @example
 * ```ts
 * const meter = new UsageMeter([{ label: "client", pid: process.pid }]);
 * // ... run the load ...
 * const columns = meter.perOperation(ops);
 * ```
 */
export class UsageMeter {
  readonly #processes: readonly AccountedProcess[];
  readonly #before: readonly (Usage | undefined)[];

  /** Starts counting now. */
  constructor(processes: readonly AccountedProcess[]) {
    this.#processes = processes;
    this.#before = processes.map(({ pid }) => readUsage(pid));
  }

  /**
   * Table columns: CPU µs per operation for each process and in all, and system calls per
   * operation in all; `-` where a counter could not be read.
   */
  perOperation(operations: number): Record<string, string> {
    let cpuTotal = 0;
    let syscallsTotal = 0;
    let complete = operations > 0;
    const each: string[] = [];
    this.#processes.forEach(({ pid }, index) => {
      const before = this.#before[index];
      const after = readUsage(pid);
      if (before === undefined || after === undefined) {
        complete = false;
        each.push("-");
        return;
      }
      const cpu = (after.cpuMicros - before.cpuMicros) / operations;
      cpuTotal += cpu;
      syscallsTotal += (after.syscalls - before.syscalls) / operations;
      each.push(cpu.toFixed(0));
    });
    return {
      [`CPU µs/op (${this.#processes.map(({ label }) => label).join(" / ")})`]: each.join(" / "),
      "CPU µs/op": complete ? cpuTotal.toFixed(0) : "-",
      "syscalls/op": complete ? syscallsTotal.toFixed(2) : "-",
    };
  }
}
