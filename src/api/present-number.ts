import type { Capabilities, IncomingNumberResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { PhoneNumberRow } from "../store/types.js";

/** North American toll-free area codes in service (NANPA): 800, 833, 844, 855, 866, 877, 888. */
const TOLL_FREE = /^\+18(00|33|44|55|66|77|88)\d{7}$/;

/**
 * Calling codes that name one country (E.164 codes are prefix-free, so the first match is the
 * only one). +1 is the whole North American plan; Belay reports it as "US", as FreeClimb's
 * numbers are. Codes shared by several countries (+7, …) give null.
 */
const COUNTRIES: ReadonlyArray<readonly [string, string]> = [
  ["+1", "US"],
  ["+44", "GB"],
  ["+33", "FR"],
  ["+49", "DE"],
  ["+34", "ES"],
  ["+61", "AU"],
  ["+81", "JP"],
  ["+91", "IN"],
];

export function countryOf(phoneNumber: string): string | null {
  return COUNTRIES.find(([code]) => phoneNumber.startsWith(code))?.[1] ?? null;
}

/** Belay carries voice only: no SMS, so neither 10DLC nor short codes. */
export function capabilitiesOf(phoneNumber: string): Capabilities {
  return { voice: true, sms: false, tollFree: TOLL_FREE.test(phoneNumber), tenDLC: false, shortCode: false };
}

export function presentNumber(row: PhoneNumberRow): IncomingNumberResult {
  return {
    uri: `/Accounts/${row.accountId}/IncomingPhoneNumbers/${row.phoneNumberId}`,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    capabilities: capabilitiesOf(row.phoneNumber),
    campaignId: null,
    phoneNumberId: row.phoneNumberId,
    accountId: row.accountId,
    applicationId: row.applicationId,
    phoneNumber: row.phoneNumber,
    alias: row.alias,
    region: null,
    country: countryOf(row.phoneNumber),
    voiceEnabled: true,
    smsEnabled: false,
    // Numbers are added by the operator, not bought from a carrier: nothing is off-net.
    offnet: false,
    tfn: null,
  };
}
