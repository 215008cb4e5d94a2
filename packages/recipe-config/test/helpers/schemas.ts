/**
 * Schemas the tests share: the same shapes written with zod and with valibot, to show that any
 * Standard Schema validator works.
 *
 * @module
 */
import * as v from "valibot";
import { z } from "zod";

/** Feature flags, as the guide's example: a boolean and a rollout percentage. */
export const zodFlags = z.object({
  newCheckout: z.boolean(),
  rolloutPercent: z.number().int().min(0).max(100),
});

/** The same flags with valibot. */
export const valibotFlags = v.object({
  newCheckout: v.boolean(),
  rolloutPercent: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)),
});

/** A counter: a non-negative integer. */
export const counterSchema = z.object({ count: z.number().int().min(0) });

/**
 * A sequence number written by the simulation's writer: `seq` must be a non-negative integer,
 * so `{ seq: -1 }` is the invalid value it tries to sneak in.
 */
export const sequenceSchema = z.object({ seq: z.number().int().min(0), payload: z.string() });
