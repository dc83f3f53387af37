import type { AppHandler, AppHost } from "./app-host.js";
import { DEFAULT_APP_PATH } from "./options.js";

/** The voice and status URLs of a call's app: a URL as given, a handler where the kit serves it. */
export async function appUrls(
  host: AppHost,
  app: string | AppHandler | undefined,
  options: { appPath?: string | undefined; statusUrl?: string | undefined },
): Promise<{ appUrl?: string; statusUrl?: string }> {
  if (app === undefined || typeof app === "string") {
    return {
      ...(app !== undefined ? { appUrl: app } : {}),
      ...(options.statusUrl !== undefined ? { statusUrl: options.statusUrl } : {}),
    };
  }
  const base = await host.baseUrlOf(app);
  const status = options.statusUrl;
  return {
    appUrl: `${base}${options.appPath ?? DEFAULT_APP_PATH}`,
    ...(status !== undefined ? { statusUrl: status.startsWith("/") ? `${base}${status}` : status } : {}),
  };
}
