import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { apiErrorBodySchema, queueMemberListSchema, queueMemberSchema } from "../../contract/rest.js";
import type { ApiDeps } from "../app.js";
import { envelope, pageRequest } from "../paging.js";
import { presentMember } from "../present-queue.js";
import { findQueue, foundMember, liveQueues, memberParams, queueParams } from "../queue-lookup.js";
import { errorResponses, pageQuery } from "../schemas.js";

const liveResponses = {
  ...errorResponses,
  503: apiErrorBodySchema.describe("this Belay runs without a queue engine"),
} as const;

const DEQUEUED =
  "The member as it was when dequeued. Its call leaves the queue at once and its Enqueue goes on with actionUrl.";

/**
 * A queue's members: live calls waiting in it, front first. List, get one or the front, and
 * dequeue one or the front (202: the call goes on with its Enqueue's actionUrl).
 */
export const queueMemberRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["Queues"];

    api.get(
      "/apiserver/Accounts/:accountId/Queues/:queueId/Members",
      {
        schema: {
          tags,
          summary: "List a queue's members, front first",
          params: queueParams,
          querystring: pageQuery,
          response: { 200: queueMemberListSchema, ...liveResponses },
        },
      },
      async (request) => {
        const control = liveQueues(deps.queues);
        const page = pageRequest(request.query);
        const { accountId } = request.account;
        const { queueId } = request.params;
        await findQueue(deps.store, accountId, queueId);
        // Members live in memory, in queue order: a page is a slice of the queue as it is now.
        const members = control.members(accountId, queueId);
        const items = members.slice(page.offset, page.offset + page.pageSize);
        const path = `/Accounts/${accountId}/Queues/${queueId}/Members`;
        const result = { items, total: members.length };
        const presented = items.map((member) => presentMember(accountId, queueId, member));
        return envelope(result, page, path, "queueMembers", presented);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Queues/:queueId/Members/Front",
      {
        schema: {
          tags,
          summary: "Get the member at the front of the queue",
          params: queueParams,
          response: { 200: queueMemberSchema, ...liveResponses },
        },
      },
      async (request) => {
        const control = liveQueues(deps.queues);
        const { accountId } = request.account;
        const { queueId } = request.params;
        await findQueue(deps.store, accountId, queueId);
        return presentMember(accountId, queueId, foundMember(control.member(accountId, queueId), queueId));
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Queues/:queueId/Members/Front",
      {
        schema: {
          tags,
          summary: "Dequeue the member at the front of the queue",
          description: DEQUEUED,
          params: queueParams,
          response: { 202: queueMemberSchema, ...liveResponses },
        },
      },
      async (request, reply) => {
        const control = liveQueues(deps.queues);
        const { accountId } = request.account;
        const { queueId } = request.params;
        await findQueue(deps.store, accountId, queueId);
        const member = foundMember(control.dequeue(accountId, queueId), queueId);
        return reply.code(202).send(presentMember(accountId, queueId, member));
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Queues/:queueId/Members/:callId",
      {
        schema: {
          tags,
          summary: "Get a member of the queue",
          params: memberParams,
          response: { 200: queueMemberSchema, ...liveResponses },
        },
      },
      async (request) => {
        const control = liveQueues(deps.queues);
        const { accountId } = request.account;
        const { queueId, callId } = request.params;
        await findQueue(deps.store, accountId, queueId);
        const member = foundMember(control.member(accountId, queueId, callId), queueId, callId);
        return presentMember(accountId, queueId, member);
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Queues/:queueId/Members/:callId",
      {
        schema: {
          tags,
          summary: "Dequeue a member of the queue",
          description: DEQUEUED,
          params: memberParams,
          response: { 202: queueMemberSchema, ...liveResponses },
        },
      },
      async (request, reply) => {
        const control = liveQueues(deps.queues);
        const { accountId } = request.account;
        const { queueId, callId } = request.params;
        await findQueue(deps.store, accountId, queueId);
        const member = foundMember(control.dequeue(accountId, queueId, callId), queueId, callId);
        return reply.code(202).send(presentMember(accountId, queueId, member));
      },
    );
  };
