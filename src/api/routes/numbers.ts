import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../app.js";

export const numbersRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
  async () => {};
