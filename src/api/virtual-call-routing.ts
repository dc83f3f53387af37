import { type CallRouting, directRouting, routeInbound } from "../calls/inbound-route.js";
import type { Store } from "../store/types.js";
import { apiError } from "./errors.js";

/**
 * Where a virtual call goes: the app's URL when given, else `to`'s number in the caller's own
 * account (a virtual call never reaches another account's app). `field` names `to` in the request.
 */
export async function routeVirtualCall(
  deps: { store: Store; logger: { warn(obj: object, msg: string): void } },
  accountId: string,
  call: { appUrl?: string | undefined; statusUrl?: string | undefined; to: string },
  field = "to",
): Promise<CallRouting> {
  if (call.appUrl) return directRouting(accountId, call.appUrl, call.statusUrl);
  const route = await routeInbound(deps.store, call.to);
  if (!route || route.accountId !== accountId) {
    deps.logger.warn({ to: call.to, accountId }, "virtual call rejected: no such number in this account");
    throw apiError(
      "PHONE_NUMBER_NOT_FOUND",
      `no number ${call.to} in this account: the call is rejected (add it with POST /IncomingPhoneNumbers, or give appUrl)`,
      { field },
    );
  }
  return call.statusUrl ? { ...route, statusCallbackUrl: call.statusUrl } : route;
}
