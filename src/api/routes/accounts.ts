import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../app.js";

export const accountsRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
  async () => {};
