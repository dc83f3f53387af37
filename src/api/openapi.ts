import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/** Where Belay's OpenAPI document is served, without credentials. */
export const OPENAPI_PATH = "/apiserver/openapi.json";

/**
 * Belay's own OpenAPI document, generated from the zod schemas the routes validate with, served at
 * /apiserver/openapi.json and browsable at /docs (Swagger UI, its assets served from npm, no CDN).
 * Must be registered before the routes.
 */
export async function registerOpenApi(api: FastifyInstance): Promise<void> {
  await api.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Belay",
        version: "0.1.0",
        description:
          "FreeClimb's REST API under /apiserver, as Belay implements it, and Belay's own extensions under /belay. " +
          "Every call takes HTTP Basic auth: the account id as user, the API key as password.",
      },
      components: { securitySchemes: { basicAuth: { type: "http", scheme: "basic" } } },
      security: [{ basicAuth: [] }],
      tags: [
        { name: "Accounts" },
        { name: "Applications" },
        { name: "IncomingPhoneNumbers" },
        { name: "Calls" },
        { name: "Recordings" },
        { name: "Logs" },
        { name: "Belay extensions", description: "Outside FreeClimb's API: virtual calls, devices, links." },
      ],
    },
    transform: jsonSchemaTransform,
  });
  // Public: the document describes the API and holds no account's data.
  api.get(OPENAPI_PATH, { schema: { hide: true }, config: { public: true } }, async () => api.swagger());
  // Swagger UI reads the same document from /docs/json. Its pages, assets and copies of the
  // document hold no account's data either: every route it registers is marked public, in a
  // context of its own so the mark reaches nothing else.
  await api.register(async (docs) => {
    docs.addHook("onRoute", (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(fastifySwaggerUi, { routePrefix: "/docs" });
  });
}
