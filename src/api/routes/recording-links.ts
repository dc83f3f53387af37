import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../app.js";

export const recordingLinksRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
  async () => {};
