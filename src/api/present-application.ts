import type { ApplicationResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { ApplicationRow } from "../store/types.js";

/** An application row → FreeClimb's ApplicationResult (uri relative to /apiserver, RFC 1123 dates). */
export function presentApplication(row: ApplicationRow): ApplicationResult {
  return {
    uri: `/Accounts/${row.accountId}/Applications/${row.applicationId}`,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    accountId: row.accountId,
    applicationId: row.applicationId,
    alias: row.alias,
    voiceUrl: row.voiceUrl,
    voiceFallbackUrl: row.voiceFallbackUrl,
    callConnectUrl: row.callConnectUrl,
    statusCallbackUrl: row.statusCallbackUrl,
    smsUrl: row.smsUrl,
    smsFallbackUrl: row.smsFallbackUrl,
  };
}
