import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { DEFAULTS } from "../../contract/defaults.js";
import { newId } from "../../contract/ids.js";
import { queueListSchema, queueResultSchema } from "../../contract/rest.js";
import type { QueueRow } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentQueue } from "../present-queue.js";
import { findQueue, queueParams } from "../queue-lookup.js";
import { accountParams, errorResponses, pageQuery } from "../schemas.js";

const { maxSize: DEFAULT_MAX_SIZE, maxSizeLimit: MAX_SIZE_LIMIT } = DEFAULTS.queue;

const alias = z.string().max(64, "must be at most 64 characters");
const maxSize = z
  .int(`must be a whole number from 1 to ${MAX_SIZE_LIMIT}`)
  .min(1, `must be from 1 to ${MAX_SIZE_LIMIT}`)
  .max(MAX_SIZE_LIMIT, `must be from 1 to ${MAX_SIZE_LIMIT}`);

/** FreeClimb's QueueRequest for a create: every field has a default; no body at all is a queue too. */
const createBody = z.object({ alias: alias.nullish(), maxSize: maxSize.nullish() }).nullish();

/** FreeClimb's QueueRequest for an update. A POST without a body changes nothing. */
const updateBody = z.object({ alias: alias.optional(), maxSize: maxSize.optional() }).nullish();

const listQuery = pageQuery.extend({
  alias: z.string().max(256).optional().describe("only queues with exactly this alias"),
});

/** Queues: create, list (alias filter), get, update. Settings are stored; currentSize is live. */
export const queueRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["Queues"];
    // The live count of callers waiting; null when this API runs without a queue engine.
    const present = (row: QueueRow) => presentQueue(row, deps.queues?.size(row.queueId) ?? null);

    api.post(
      "/apiserver/Accounts/:accountId/Queues",
      {
        schema: {
          tags,
          summary: "Create a queue",
          description: `maxSize defaults to ${DEFAULT_MAX_SIZE}, at most ${MAX_SIZE_LIMIT}; alias at most 64 characters.`,
          params: accountParams,
          body: createBody,
          response: { 200: queueResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const row = await deps.store.queues.create({
          queueId: newId("QU"),
          accountId: request.account.accountId,
          alias: request.body?.alias ?? null,
          maxSize: request.body?.maxSize ?? DEFAULT_MAX_SIZE,
        });
        return present(row);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Queues",
      {
        schema: {
          tags,
          summary: "List queues, newest first",
          description: "Filter: alias (exact).",
          params: accountParams,
          querystring: listQuery,
          response: { 200: queueListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { alias } = request.query;
        const { accountId } = request.account;
        const filter = alias === undefined ? {} : { alias };
        const result = await deps.store.queues.list(accountId, filter, listOptions(page));
        const path = `/Accounts/${accountId}/Queues`;
        return envelope(result, page, path, "queues", result.items.map(present), { alias });
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Queues/:queueId",
      {
        schema: {
          tags,
          summary: "Get a queue",
          params: queueParams,
          response: { 200: queueResultSchema, ...errorResponses },
        },
      },
      async (request) =>
        present(await findQueue(deps.store, request.account.accountId, request.params.queueId)),
    );

    api.post(
      "/apiserver/Accounts/:accountId/Queues/:queueId",
      {
        schema: {
          tags,
          summary: "Update a queue: alias, maxSize",
          description:
            "A maxSize below the queue's current size keeps its callers; new ones are refused (queueFull) until it shrinks below it.",
          params: queueParams,
          body: updateBody,
          response: { 200: queueResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { queueId } = request.params;
        const current = await findQueue(deps.store, accountId, queueId);
        const patch: { alias?: string; maxSize?: number } = {};
        if (request.body?.alias !== undefined) patch.alias = request.body.alias;
        if (request.body?.maxSize !== undefined) patch.maxSize = request.body.maxSize;
        // Nothing asked, nothing changed: the queue as it is, no revision spent.
        if (Object.keys(patch).length === 0) return present(current);
        const updated = await deps.store.queues.update(accountId, queueId, patch);
        if (!updated) throw apiError("QUEUE_NOT_FOUND", `queue ${queueId} not found`);
        return present(updated);
      },
    );
  };
