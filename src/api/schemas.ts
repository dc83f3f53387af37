import { z } from "zod";
import { E164_PATTERN } from "../contract/e164.js";
import { type IdPrefix, isId } from "../contract/ids.js";
import { apiErrorBodySchema } from "../contract/rest.js";

/**
 * Request pieces every route shares, as zod schemas: Fastify validates with them (a failure is a
 * 400 naming the field, see app.ts) and @fastify/swagger turns them into Belay's OpenAPI document.
 */

const ID_KINDS: Record<IdPrefix, string> = {
  AC: "an account",
  AP: "an application",
  CA: "a call",
  RE: "a recording",
  PN: "a phone number",
  CF: "a conference",
  QU: "a queue",
  RQ: "a request",
};

/** A FreeClimb id of one kind: two letters + 40 lowercase hex. */
export function idOf(prefix: IdPrefix) {
  return z
    .string()
    .refine((value) => isId(value, prefix), `is not ${ID_KINDS[prefix]} id (${prefix} + 40 lowercase hex)`)
    .meta({ example: `${prefix}${"0".repeat(40)}` });
}

export const e164 = z
  .string()
  .regex(E164_PATTERN, "must be an E.164 number such as +15550001111")
  .meta({ example: "+15550001111" });

/** An absolute http(s) URL, as every webhook URL must be. */
export const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an absolute http or https URL");

/** `true`/`false` in a query string. */
export const queryBoolean = z.enum(["true", "false"]).transform((value) => value === "true");

/** The account every FreeClimb path starts with; the auth hook has already checked it. */
export const accountParams = z.object({ accountId: idOf("AC") });

/** `cursor` and `pageSize` of every list; paging.ts reads them. */
export const pageQuery = z.object({
  cursor: z.string().max(64).optional().describe("opaque, from a previous page's nextPageUri"),
  pageSize: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number")
    .optional(),
});

/** The error responses every authenticated route can give. */
export const errorResponses = {
  400: apiErrorBodySchema.describe("a malformed id, field, date or cursor; the message names it"),
  401: apiErrorBodySchema.describe("missing or wrong credentials"),
  403: apiErrorBodySchema.describe("another account's path"),
  404: apiErrorBodySchema.describe("no such resource in this account"),
} as const;

/** What a route that starts a call adds: no new calls while the disk is low. */
export const callStartResponses = {
  ...errorResponses,
  503: apiErrorBodySchema.describe(
    "the data folder's disk has less free space than --min-free-disk: no new calls until there is room (Retry-After)",
  ),
} as const;
