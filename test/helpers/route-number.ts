import { newId } from "../../src/contract/ids.js";
import type { Belay } from "../../src/server/belay.js";

export interface NumberRoute {
  phoneNumber: string;
  voiceUrl: string;
  statusCallbackUrl: string;
  callConnectUrl?: string;
  /** The application's alias; the phone number unless given (null: none). */
  alias?: string | null;
}

/**
 * Seeds what a number needs to take calls in the default account: an application with these
 * URLs, and the number routed to it (straight into the store, as an operator's REST calls would).
 * Returns the application's id.
 */
export async function routeNumber(belay: Belay, route: NumberRoute): Promise<string> {
  const { store, account } = belay;
  const application = await store.applications.create({
    applicationId: newId("AP"),
    accountId: account.accountId,
    alias: route.alias === undefined ? route.phoneNumber : route.alias,
    voiceUrl: route.voiceUrl,
    voiceFallbackUrl: null,
    callConnectUrl: route.callConnectUrl ?? null,
    statusCallbackUrl: route.statusCallbackUrl,
    smsUrl: null,
    smsFallbackUrl: null,
  });
  await store.numbers.create({
    phoneNumberId: newId("PN"),
    accountId: account.accountId,
    phoneNumber: route.phoneNumber,
    alias: null,
    applicationId: application.applicationId,
  });
  return application.applicationId;
}
