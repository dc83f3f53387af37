import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId } from "../../contract/ids.js";
import { incomingNumberListSchema, incomingNumberResultSchema } from "../../contract/rest.js";
import { isBelayError } from "../../errors.js";
import type { Page, PhoneNumberRepo, PhoneNumberRow } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, type PageRequest, pageRequest } from "../paging.js";
import { phoneNumberMatch } from "../phone-number-filter.js";
import { presentNumber } from "../present-number.js";
import { accountParams, e164, errorResponses, idOf, pageQuery, queryBoolean } from "../schemas.js";

const numberParams = accountParams.extend({ phoneNumberId: idOf("PN") });
const alias = () => z.string().max(64, "must be at most 64 characters").nullable().optional();

/** FreeClimb's BuyIncomingNumberRequest: Belay adds the number the operator names, it buys nothing. */
const addBody = z.object({
  phoneNumber: e164,
  alias: alias(),
  applicationId: idOf("AP").nullable().optional(),
});

/** FreeClimb's IncomingNumberRequest; `applicationId: null` detaches the number. */
const updateBody = z.object({ applicationId: idOf("AP").nullable().optional(), alias: alias() }).nullish();

const listQuery = pageQuery.extend({
  phoneNumber: z
    .string()
    .optional()
    .describe("an E.164 number (exact), or a regular expression the number matches"),
  alias: z.string().max(64).optional().describe("only numbers with exactly this alias"),
  applicationId: idOf("AP").optional(),
  hasApplication: queryBoolean.optional(),
});

type RepoFilter = NonNullable<Parameters<PhoneNumberRepo["list"]>[1]>;
const BATCH = 1000;

function notOwnApplication(applicationId: string) {
  return apiError(
    "INVALID_REQUEST",
    `"applicationId" ${applicationId} is not an application of this account`,
    {
      field: "applicationId",
    },
  );
}

/**
 * Store refusals that are the client's doing → 409 or 400, not a 500: an application outside this
 * account (the store checks it), or a number another request added since findByNumber looked.
 */
function clientError(
  err: unknown,
  phoneNumber: string | undefined,
  applicationId: string | null | undefined,
) {
  if (isBelayError(err, "STORE_CONFLICT") && phoneNumber !== undefined) return alreadyInBelay(phoneNumber);
  if (isBelayError(err, "STORE_REFERENCE_NOT_FOUND") && applicationId)
    return notOwnApplication(applicationId);
  return err;
}

// Says nothing about which account holds it: that is another account's business.
const alreadyInBelay = (phoneNumber: string) =>
  apiError("CONFLICT", `phone number ${phoneNumber} is already in Belay`, { field: "phoneNumber" });

/** Incoming phone numbers: list, add, get, update, release. */
export const numbersRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["IncomingPhoneNumbers"];
    const notFound = (id: string) => apiError("PHONE_NUMBER_NOT_FOUND", `phone number ${id} not found`);

    /** A pattern cannot be matched in SQL portably: page through the other filters' rows and match here. */
    async function listByPattern(
      accountId: string,
      filter: RepoFilter,
      pattern: RegExp,
      page: PageRequest,
    ): Promise<Page<PhoneNumberRow>> {
      const matching: PhoneNumberRow[] = [];
      for (let offset = 0; ; offset += BATCH) {
        const batch = await deps.store.numbers.list(accountId, filter, { offset, limit: BATCH });
        matching.push(...batch.items.filter((row) => pattern.test(row.phoneNumber)));
        if (batch.items.length < BATCH) break;
      }
      return { items: matching.slice(page.offset, page.offset + page.pageSize), total: matching.length };
    }

    api.get(
      "/apiserver/Accounts/:accountId/IncomingPhoneNumbers",
      {
        schema: {
          tags,
          summary: "List incoming phone numbers, newest first",
          params: accountParams,
          querystring: listQuery,
          response: { 200: incomingNumberListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { phoneNumber, alias, applicationId, hasApplication } = request.query;
        const { accountId } = request.account;
        const filter: RepoFilter = {
          ...(alias !== undefined ? { alias } : {}),
          ...(applicationId !== undefined ? { applicationId } : {}),
          ...(hasApplication !== undefined ? { hasApplication } : {}),
        };
        const match = phoneNumber === undefined ? undefined : phoneNumberMatch(phoneNumber);
        const result =
          match && "pattern" in match
            ? await listByPattern(accountId, filter, match.pattern, page)
            : await deps.store.numbers.list(
                accountId,
                match ? { ...filter, phoneNumber: match.exact } : filter,
                listOptions(page),
              );
        const path = `/Accounts/${accountId}/IncomingPhoneNumbers`;
        // nextPageUri repeats the filters as the client wrote them.
        const filters = {
          phoneNumber,
          alias,
          applicationId,
          hasApplication: hasApplication === undefined ? undefined : String(hasApplication),
        };
        return envelope(result, page, path, "incomingPhoneNumbers", result.items.map(presentNumber), filters);
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/IncomingPhoneNumbers",
      {
        schema: {
          tags,
          summary: "Add a phone number to the account (409 if any account already has it)",
          params: accountParams,
          body: addBody,
          response: {
            200: incomingNumberResultSchema,
            ...errorResponses,
            409: errorResponses[400].describe("the number is already in Belay, in this or another account"),
          },
        },
      },
      async (request) => {
        const { phoneNumber, alias, applicationId } = request.body;
        const { accountId } = request.account;
        // Inbound routing finds a number in any account, so a number can be in Belay only once.
        if (await deps.store.numbers.findByNumber(phoneNumber)) throw alreadyInBelay(phoneNumber);
        try {
          // The store refuses another account's application: it would hand that account the calls.
          const row = await deps.store.numbers.create({
            phoneNumberId: newId("PN"),
            accountId,
            phoneNumber,
            alias: alias ?? null,
            applicationId: applicationId ?? null,
          });
          return presentNumber(row);
        } catch (err) {
          throw clientError(err, phoneNumber, applicationId);
        }
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/IncomingPhoneNumbers/:phoneNumberId",
      {
        schema: {
          tags,
          summary: "Get an incoming phone number",
          params: numberParams,
          response: { 200: incomingNumberResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { phoneNumberId } = request.params;
        const row = await deps.store.numbers.get(request.account.accountId, phoneNumberId);
        if (!row) throw notFound(phoneNumberId);
        return presentNumber(row);
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/IncomingPhoneNumbers/:phoneNumberId",
      {
        schema: {
          tags,
          summary: "Update a number's application (null detaches it) or alias",
          params: numberParams,
          body: updateBody,
          response: { 200: incomingNumberResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { phoneNumberId } = request.params;
        const { accountId } = request.account;
        const applicationId = request.body?.applicationId;
        const alias = request.body?.alias;
        try {
          const row = await deps.store.numbers.update(accountId, phoneNumberId, {
            ...(applicationId !== undefined ? { applicationId } : {}),
            ...(alias !== undefined ? { alias } : {}),
          });
          if (!row) throw notFound(phoneNumberId);
          return presentNumber(row);
        } catch (err) {
          throw clientError(err, undefined, applicationId);
        }
      },
    );

    api.delete(
      "/apiserver/Accounts/:accountId/IncomingPhoneNumbers/:phoneNumberId",
      {
        schema: {
          tags,
          summary: "Release a phone number from the account",
          params: numberParams,
          response: { 204: z.null().describe("released"), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { phoneNumberId } = request.params;
        if (!(await deps.store.numbers.delete(request.account.accountId, phoneNumberId)))
          throw notFound(phoneNumberId);
        return reply.status(204).send(null);
      },
    );
  };
