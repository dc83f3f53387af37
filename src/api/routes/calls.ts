import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { placeOutboundCall } from "../../calls/outbound-call.js";
import { apiErrorBodySchema, callListSchema, callResultSchema } from "../../contract/rest.js";
import { CALL_STATUSES } from "../../contract/webhooks.js";
import { RING_TIMEOUT_SEC } from "../../engine/dial.js";
import { DIAL_DIGITS_PATTERN } from "../../engine/dial-digits.js";
import type { ApplicationRow, CallFilter, CallRow, CallStatus } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { assertTakingCalls } from "../call-admission.js";
import { CALL_TIME_FORMAT, callTimeBounds } from "../call-times.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentCall } from "../present.js";
import {
  accountParams,
  callStartResponses,
  e164,
  errorResponses,
  httpUrl,
  idOf,
  pageQuery,
  queryBoolean,
} from "../schemas.js";

const callParams = accountParams.extend({ callId: idOf("CA") });

/** FreeClimb's MakeCallRequest. Fields Belay does not act on (ifMachine…) are accepted and ignored. */
const makeCallBody = z.object({
  from: e164,
  to: e164,
  applicationId: idOf("AP").nullish(),
  callConnectUrl: httpUrl.nullish(),
  timeout: z
    .int(`must be a whole number of seconds from ${RING_TIMEOUT_SEC.min} to ${RING_TIMEOUT_SEC.max}`)
    .min(RING_TIMEOUT_SEC.min, `must be ${RING_TIMEOUT_SEC.min} to ${RING_TIMEOUT_SEC.max} seconds`)
    .max(RING_TIMEOUT_SEC.max, `must be ${RING_TIMEOUT_SEC.min} to ${RING_TIMEOUT_SEC.max} seconds`)
    .default(RING_TIMEOUT_SEC.default),
  sendDigits: z
    .string()
    .max(256)
    .refine(
      (v) => v === "" || DIAL_DIGITS_PATTERN.test(v),
      "must be keys 0-9, * and #, with {n} for an n ms pause",
    )
    .nullish(),
  privacyMode: z.boolean().nullish(),
  parentCallId: idOf("CA").nullish(),
  ifMachine: z.string().nullish(),
  ifMachineUrl: z.string().nullish(),
});

/**
 * FreeClimb's UpdateCallRequest allows canceled and completed; Belay adds inProgress, which resumes
 * a parked call (docs/parking.md: FreeClimb documents the resume but not its body).
 */
const updateCallBody = z.object({ status: z.enum(["canceled", "completed", "inProgress"]) });

const callTime = z
  .string()
  .max(64)
  .refine((v) => callTimeBounds(v, "start") !== undefined, `must be ${CALL_TIME_FORMAT}`);

const listQuery = pageQuery.extend({
  active: queryBoolean.optional(),
  to: e164.optional(),
  from: e164.optional(),
  status: z.enum(CALL_STATUSES).optional(),
  startTime: callTime.optional(),
  endTime: callTime.optional(),
  parentCallId: idOf("CA").optional(),
  // Repeatable, as FreeClimb's OpenAPI declares it: one value arrives as a string, several as a list.
  applicationId: z
    .preprocess((v) => (typeof v === "string" ? [v] : v), z.array(idOf("AP")).max(16))
    .optional(),
});

/** Which update applies to which statuses: canceled before answer, completed after. */
const UPDATABLE: Record<"canceled" | "completed", readonly CallStatus[]> = {
  canceled: ["queued", "ringing"],
  completed: ["inProgress"],
};

const ACTIVE: readonly CallStatus[] = ["queued", "ringing", "inProgress"];

/** Calls: make, list with FreeClimb's filters, get, and hang up. */
export const callRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    async function findCall(accountId: string, callId: string): Promise<CallRow> {
      const row = await deps.store.calls.get(accountId, callId);
      if (!row) throw apiError("CALL_NOT_FOUND", `call ${callId} not found`);
      return row;
    }

    api.post(
      "/apiserver/Accounts/:accountId/Calls",
      {
        schema: {
          tags: ["Calls"],
          summary: "Make a call (to one of the account's virtual devices)",
          params: accountParams,
          body: makeCallBody,
          response: { 202: callResultSchema, ...callStartResponses },
        },
      },
      async (request, reply) => {
        assertTakingCalls(deps.disk);
        const { accountId } = request.account;
        const body = request.body;
        let application: ApplicationRow | undefined;
        if (body.applicationId) {
          application = await deps.store.applications.get(accountId, body.applicationId);
          if (!application) {
            throw apiError(
              "INVALID_REQUEST",
              `"applicationId" ${body.applicationId} is not an application of this account`,
              { field: "applicationId" },
            );
          }
        }
        if (body.parentCallId) {
          const parent = await deps.store.calls.get(accountId, body.parentCallId);
          if (!parent) {
            throw apiError(
              "INVALID_REQUEST",
              `"parentCallId" ${body.parentCallId} is not a call of this account`,
              {
                field: "parentCallId",
              },
            );
          }
          // OpenAPI: without an application, the parent's callConnectUrl (its application's) is used.
          if (!application && parent.applicationId)
            application = await deps.store.applications.get(accountId, parent.applicationId);
        }
        const callConnectUrl = body.callConnectUrl ?? application?.callConnectUrl ?? null;
        if (!callConnectUrl) {
          const why = application
            ? `application ${application.applicationId} has none`
            : `give it, or an "applicationId" whose application has one`;
          throw apiError("INVALID_REQUEST", `"callConnectUrl" is required: ${why}`, {
            field: "callConnectUrl",
          });
        }
        const placed = await placeOutboundCall(deps, {
          accountId,
          from: body.from,
          to: body.to,
          applicationId: application?.applicationId ?? null,
          parentCallId: body.parentCallId ?? null,
          callConnectUrl,
          statusCallbackUrl: application?.statusCallbackUrl ?? null,
          timeoutMs: body.timeout * 1000,
          ...(body.sendDigits ? { sendDigits: body.sendDigits } : {}),
        });
        return reply.status(202).send(presentCall(placed.row));
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Calls",
      {
        schema: {
          tags: ["Calls"],
          summary: "List calls, newest first",
          params: accountParams,
          querystring: listQuery,
          response: { 200: callListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const q = request.query;
        const filter: CallFilter = {
          ...(q.active !== undefined ? { active: q.active } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.parentCallId !== undefined ? { parentCallId: q.parentCallId } : {}),
          ...(q.applicationId !== undefined ? { applicationIds: q.applicationId } : {}),
        };
        if (q.startTime !== undefined) {
          const { from, to } = callTimeBounds(q.startTime, "start") ?? {};
          if (from !== undefined) filter.startTimeFrom = from;
          if (to !== undefined) filter.startTimeTo = to;
        }
        if (q.endTime !== undefined) {
          const { from, to } = callTimeBounds(q.endTime, "end") ?? {};
          if (from !== undefined) filter.endTimeFrom = from;
          if (to !== undefined) filter.endTimeTo = to;
        }
        const result = await deps.store.calls.list(request.account.accountId, filter, listOptions(page));
        const path = `/Accounts/${request.account.accountId}/Calls`;
        return envelope(result, page, path, "calls", result.items.map(presentCall), {
          active: q.active === undefined ? undefined : String(q.active),
          to: q.to,
          from: q.from,
          status: q.status,
          startTime: q.startTime,
          endTime: q.endTime,
          parentCallId: q.parentCallId,
          applicationId: q.applicationId,
        });
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Calls/:callId",
      {
        schema: {
          tags: ["Calls"],
          summary: "Get a call",
          params: callParams,
          response: { 200: callResultSchema, ...errorResponses },
        },
      },
      async (request) => presentCall(await findCall(request.account.accountId, request.params.callId)),
    );

    api.post(
      "/apiserver/Accounts/:accountId/Calls/:callId",
      {
        schema: {
          tags: ["Calls"],
          summary:
            'Hang up a live call: "canceled" while queued or ringing, "completed" while in progress; "inProgress" resumes a parked call',
          params: callParams,
          body: updateCallBody,
          response: {
            202: callResultSchema,
            ...errorResponses,
            409: apiErrorBodySchema.describe(
              "the call is not in a status this update applies to, or not parked (inProgress)",
            ),
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.account;
        const { callId } = request.params;
        const wanted = request.body.status;
        const live = deps.engine.get(callId);
        if (!live || live.facts.accountId !== accountId) {
          const row = await findCall(accountId, callId);
          const what = wanted === "inProgress" ? "resumed" : "hung up";
          const message = ACTIVE.includes(row.status)
            ? `call ${callId} is ${row.status} but not live in this Belay process, so it cannot be ${what} here`
            : `call ${callId} has already ended: it is ${row.status}`;
          throw apiError("CONFLICT", message, { status: row.status });
        }
        if (wanted === "inProgress") {
          if (!live.unpark()) {
            throw apiError(
              "CONFLICT",
              `call ${callId} is ${live.status} but not parked: "inProgress" resumes only a parked call`,
              { status: live.status },
            );
          }
          request.log.info({ callId }, "parked call resumed through the REST API");
          return reply.status(202).send(presentCall(await findCall(accountId, callId)));
        }
        if (!UPDATABLE[wanted].includes(live.status)) {
          const applies = wanted === "canceled" ? "a queued or ringing call" : "an inProgress call";
          throw apiError(
            "CONFLICT",
            `call ${callId} is ${live.status}: "${wanted}" applies only to ${applies}`,
            {
              status: live.status,
            },
          );
        }
        const ended = deps.engine.whenEnded(callId);
        live.hangup("callCanceled");
        await ended;
        return reply.status(202).send(presentCall(await findCall(accountId, callId)));
      },
    );
  };
