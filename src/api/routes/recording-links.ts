import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiErrorBodySchema, rfc1123 } from "../../contract/rest.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { sendRecordingAudio } from "../recording-audio.js";
import {
  DEFAULT_LINK_SECONDS,
  LINK_ROUTE_PREFIX,
  linkExpired,
  linkKey,
  linkPath,
  MAX_LINK_SECONDS,
  parseLink,
  signatureMatches,
} from "../recording-link-token.js";
import { findLiveRecording } from "../recording-visibility.js";
import { accountParams, errorResponses, idOf } from "../schemas.js";

/** Optional: a POST without a body mints a link for the default hour. Unknown fields are ignored, as everywhere. */
const mintBody = z
  .object({
    expiresInSec: z
      .int()
      .min(1)
      .max(MAX_LINK_SECONDS)
      .optional()
      .describe(`seconds the link works, 1 to ${MAX_LINK_SECONDS} (a week); default ${DEFAULT_LINK_SECONDS}`),
  })
  .nullish();

const linkResult = z.object({
  url: z.string().describe("absolute; downloads the WAV without credentials until expiresAt"),
  expiresAt: z.string().describe("RFC 1123"),
  expiresInSec: z.int(),
});

/** An unknown account is checked against this key, so a bad link costs the same either way. */
const NO_ACCOUNT_KEY = Buffer.alloc(32);

/**
 * Belay extension: signed, time-limited download links. Minting takes Basic auth; the link itself
 * is the credential, checked before anything about the recording is looked at, so a bad link
 * never tells whether a recording exists.
 */
export const recordingLinksRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const clock = deps.engine.deps.clock;

    api.post(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId/Links",
      {
        schema: {
          tags: ["Belay extensions"],
          summary: "Mint a signed link that downloads the recording without credentials until it expires",
          params: accountParams.extend({ recordingId: idOf("RE") }),
          body: mintBody,
          response: { 201: linkResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { account } = request;
        const row = await findLiveRecording(
          { store: deps.store, clock },
          account.accountId,
          request.params.recordingId,
        );
        const expiresInSec = request.body?.expiresInSec ?? DEFAULT_LINK_SECONDS;
        // Whole seconds, rounded up: the link works for at least the time asked.
        const expires = Math.ceil(clock.now() / 1000) + expiresInSec;
        const path = linkPath(
          { accountId: account.accountId, recordingId: row.recordingId, expires },
          linkKey(account),
        );
        return reply.code(201).send({
          url: `${deps.publicUrl()}${path}`,
          expiresAt: rfc1123(expires * 1000),
          expiresInSec,
        });
      },
    );

    api.get(
      `${LINK_ROUTE_PREFIX}/:accountId/:file`,
      {
        config: { public: true },
        schema: {
          tags: ["Belay extensions"],
          summary: "Download a recording through a signed link (no Basic auth; Range supported)",
          security: [],
          // Loose on purpose: any malformed part is the link's fault, a 403, checked in the handler.
          params: z.object({ accountId: z.string(), file: z.string().describe("RE….wav") }),
          // Loose, so extra parameters reach the handler and make the link malformed.
          querystring: z.looseObject({
            expires: z.unknown().optional().describe("Unix seconds"),
            signature: z.unknown().optional().describe("HMAC-SHA256, 64 lowercase hex"),
          }),
          produces: ["audio/wav"],
          response: {
            200: z.any().describe("the recording, audio/wav"),
            206: z.any().describe("the bytes one Range asked for"),
            403: apiErrorBodySchema.describe("a malformed, tampered or expired link"),
            404: apiErrorBodySchema.describe("the link is good but the recording is gone"),
            416: apiErrorBodySchema.describe("the Range lies outside the file"),
          },
        },
      },
      async (request, reply) => {
        const link = parseLink(request.params.accountId, request.params.file, request.query);
        if (!link) throw apiError("FORBIDDEN", "this recording link is malformed");
        const account = await deps.store.accounts.get(link.claims.accountId);
        const valid = signatureMatches(link, account ? linkKey(account) : NO_ACCOUNT_KEY);
        if (!account || !valid) throw apiError("FORBIDDEN", "this recording link's signature is not valid");
        if (linkExpired(link.claims, clock.now())) {
          throw apiError(
            "FORBIDDEN",
            `this recording link expired at ${rfc1123(link.claims.expires * 1000)}`,
          );
        }
        const row = await findLiveRecording(
          { store: deps.store, clock },
          account.accountId,
          link.claims.recordingId,
        );
        return sendRecordingAudio(deps.blobs, request, reply, row, "attachment");
      },
    );
  };
