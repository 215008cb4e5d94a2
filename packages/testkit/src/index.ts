/**
 * Deterministic simulator, memory transport with faults and a linearizability checker for zab.
 *
 * Not implemented yet: this package is reserved in the workspace and is not published until it
 * has code. See the project README for the plan.
 *
 * @packageDocumentation
 */
export {};
