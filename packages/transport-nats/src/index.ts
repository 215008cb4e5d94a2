/**
 * NATS transport for zab ensembles and clients.
 *
 * Not implemented yet: this package is reserved in the workspace and is not published until it
 * has code. See the project README for the plan.
 *
 * @packageDocumentation
 */
export {};
