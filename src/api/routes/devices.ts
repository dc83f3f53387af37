import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../app.js";

export const devicesRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
  async () => {};
