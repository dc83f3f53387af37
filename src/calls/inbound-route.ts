import { normalizeE164 } from "../contract/e164.js";
import type { CallSpec } from "../engine/call.js";
import type { Store } from "../store/types.js";

/** Where an inbound call goes: its account, application and voiceUrl. */
export interface CallRouting {
  accountId: string;
  phoneNumberId: string | null;
  applicationId: string | null;
  /** voiceUrl, or the configuration error that ends the call at once. */
  firstUrl: CallSpec["firstUrl"];
  fallbackUrl: string | null;
  statusCallbackUrl: string | null;
}

/** A call to one of Belay's numbers. */
export interface InboundRoute extends CallRouting {
  phoneNumberId: string;
}

/** A call straight to an app's URL, bypassing numbers and applications (`belay call --app-url`). */
export function directRouting(accountId: string, appUrl: string, statusUrl?: string): CallRouting {
  return {
    accountId,
    phoneNumberId: null,
    applicationId: null,
    firstUrl: appUrl,
    fallbackUrl: null,
    statusCallbackUrl: statusUrl ?? appUrl,
  };
}

/**
 * Finds the IncomingPhoneNumber called, then its application. undefined: no such number, and the
 * call is to be rejected. Numbers are unique across accounts, so the number alone picks the account.
 */
export async function routeInbound(store: Store, dialled: string): Promise<InboundRoute | undefined> {
  const phoneNumber = normalizeE164(dialled);
  if (!phoneNumber) return undefined;
  const number = await store.numbers.findByNumber(phoneNumber);
  if (!number) return undefined;
  const base = { accountId: number.accountId, phoneNumberId: number.phoneNumberId };
  const application = number.applicationId
    ? await store.applications.get(number.accountId, number.applicationId)
    : undefined;
  if (!application) {
    return {
      ...base,
      applicationId: null,
      firstUrl: {
        missing: "configErrorNoApplication",
        message: `number ${phoneNumber} has no application: set one with POST /IncomingPhoneNumbers/${number.phoneNumberId}`,
      },
      fallbackUrl: null,
      statusCallbackUrl: null,
    };
  }
  return {
    ...base,
    applicationId: application.applicationId,
    firstUrl: application.voiceUrl ?? {
      missing: "configErrorNoVoiceUrl",
      message: `application ${application.applicationId} of number ${phoneNumber} has no voiceUrl`,
    },
    fallbackUrl: application.voiceFallbackUrl,
    statusCallbackUrl: application.statusCallbackUrl,
  };
}
