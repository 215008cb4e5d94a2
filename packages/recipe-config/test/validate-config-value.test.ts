// Goal: validation accepts what the schema accepts and refuses the rest with the schema's
// issues, for any Standard Schema validator (zod and valibot here, sync and async), and the
// default codec round-trips JSON and reports bytes it cannot read. Method: unit tests.
import type { StandardSchemaV1 } from "@standard-schema/spec";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonCodec } from "../src/config-codec.js";
import { ConfigValidationError } from "../src/config-validation-error.js";
import { decodeConfigValue, encodeConfigValue, validateConfigValue } from "../src/validate-config-value.js";
import { valibotFlags, zodFlags } from "./helpers/schemas.js";

describe("validateConfigValue", () => {
  it.each([
    ["zod", zodFlags],
    ["valibot", valibotFlags],
  ] as const)("accepts and refuses with %s", async (_name, schema: StandardSchemaV1<unknown, unknown>) => {
    await expect(
      validateConfigValue(schema, { newCheckout: true, rolloutPercent: 5 }, { path: "/f" }),
    ).resolves.toEqual({
      newCheckout: true,
      rolloutPercent: 5,
    });
    const error = await validateConfigValue(
      schema,
      { newCheckout: 1, rolloutPercent: 500 },
      { path: "/f", version: 3 },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigValidationError);
    const invalid = error as ConfigValidationError;
    expect(invalid.code).toBe("Invalid");
    expect(invalid.path).toBe("/f");
    expect(invalid.version).toBe(3);
    expect(invalid.issues.length).toBe(2);
    expect(invalid.message).toContain("/f (version 3)");
  });

  it("waits for an async validator", async () => {
    const schema = v.pipeAsync(
      v.string(),
      v.checkAsync(async (value) => value.startsWith("ok"), "must start with ok"),
    );
    await expect(validateConfigValue(schema, "ok then", { path: "/s" })).resolves.toBe("ok then");
    await expect(validateConfigValue(schema, "nope", { path: "/s" })).rejects.toBeInstanceOf(
      ConfigValidationError,
    );
  });

  it("stores the input and returns the output of a transforming schema", async () => {
    const schema = z
      .object({ timeoutMs: z.number() })
      .transform((value) => ({ timeout: value.timeoutMs / 1000 }));
    const { data, output } = await encodeConfigValue(schema, jsonCodec, { timeoutMs: 1500 }, "/t");
    expect(output).toEqual({ timeout: 1.5 });
    expect(jsonCodec.decode(data)).toEqual({ timeoutMs: 1500 });
    await expect(decodeConfigValue(schema, jsonCodec, data, { path: "/t", version: 0 })).resolves.toEqual({
      timeout: 1.5,
    });
  });
});

describe("decodeConfigValue", () => {
  it("reports bytes the codec cannot read as a ConfigValidationError with the cause", async () => {
    const error = await decodeConfigValue(zodFlags, jsonCodec, new TextEncoder().encode("{"), {
      path: "/f",
      version: 2,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).cause).toBeInstanceOf(SyntaxError);
    expect((error as ConfigValidationError).version).toBe(2);
  });
});

describe("jsonCodec", () => {
  it("round-trips JSON values and refuses values with no JSON form", () => {
    const value = { a: [1, "two", null, { b: false }] };
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value);
    expect(() => jsonCodec.encode(undefined)).toThrow(TypeError);
    expect(() => jsonCodec.encode(10n)).toThrow(TypeError);
  });

  it("refuses a codec that encodes a value as empty bytes", async () => {
    const empty = { encode: () => new Uint8Array(), decode: () => "" };
    await expect(encodeConfigValue(z.string(), empty, "", "/e")).rejects.toThrow(/empty bytes/);
  });
});
