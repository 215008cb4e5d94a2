/**
 * One check of a conformance suite, as data: a name and a function that throws when the
 * implementation breaks its contract.
 *
 * The suites are data rather than test files so that `@zab/testkit` needs no test runner at run
 * time: each transport's own tests turn the checks into test cases with whatever runner they use.
 *
 * @module
 */
import { CheckContext } from "./check-context.js";

/**
 * One conformance check.
 *
 * @remarks
 * `run` starts what it needs from the harness (fresh transports every time), drives them, and
 * disposes of them before it settles, whether it passed or not. It rejects with an `Error`, or an
 * `AssertionError` from `@zab/core`, whose message says what the implementation did wrong; it
 * never relies on timing beyond its harness's `timeoutMs` deadline for things the contract
 * promises will happen. `run` is a bound function: pass it on as it is.
 * @example
 * ```ts
 * import { it } from "vitest";
 * import { peerTransportConformance } from "@zab/testkit";
 *
 * for (const check of peerTransportConformance(harness)) it(check.name, check.run);
 * ```
 * @since 0.1.0
 */
export interface ConformanceCheck {
  /** What the check asserts, as a sentence that reads well as a test's name. */
  readonly name: string;
  /** Runs the check; resolves when the implementation passed it. */
  readonly run: () => Promise<void>;
}

/**
 * Builds a check whose body gets a fresh {@link CheckContext}; violations its listeners noted
 * fail the check even when the body itself finished.
 *
 * @param name - What the check asserts.
 * @param timeoutMs - The deadline of each wait in the check.
 * @param body - The check.
 * @returns The check.
 */
export function defineCheck(
  name: string,
  timeoutMs: number,
  body: (context: CheckContext) => Promise<void>,
): ConformanceCheck {
  return {
    name,
    run: async () => {
      const context = new CheckContext(timeoutMs);
      try {
        await body(context);
      } catch (error) {
        // A violation a listener noticed explains a later failure better than, say, a timeout.
        context.throwIfViolated(error);
        throw error;
      }
      context.throwIfViolated();
    },
  };
}

/**
 * Runs a check's body on a fixture the harness starts, and disposes of the fixture whatever
 * happened.
 *
 * @param context - The running check.
 * @param start - Starts the fixture.
 * @param body - The check, given the fixture.
 * @param retire - Runs after the body and before the disposal: the probes stop recording, since
 *   what the disposal makes listeners hear is none of the check's business.
 */
export async function runOnFixture<Fixture extends AsyncDisposable>(
  context: CheckContext,
  start: () => Promise<Fixture>,
  body: (fixture: Fixture) => Promise<void>,
  retire: () => void,
): Promise<void> {
  const fixture = await context.settled("the harness to start a fixture", start());
  let failure: { readonly error: unknown } | undefined;
  try {
    await body(fixture);
  } catch (error) {
    failure = { error };
  }
  retire();
  try {
    await context.settled("the fixture's disposal", fixture[Symbol.asyncDispose]());
  } catch (error) {
    // The check's own failure says more than a disposal that failed because of it.
    if (failure === undefined) throw error;
  }
  if (failure !== undefined) throw failure.error;
}
