/**
 * The zab command: serve an ensemble member, inspect and drive an ensemble.
 *
 * Not implemented yet: this package is reserved in the workspace and is not published until it
 * has code. See the project README for the plan.
 *
 * @packageDocumentation
 */
export {};
