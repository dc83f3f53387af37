import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../app.js";

export const applicationsRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
  async () => {};
