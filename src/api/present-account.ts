import type { AccountResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { AccountRow } from "../store/types.js";

/**
 * An account as FreeClimb shapes it. FreeClimb returns the caller's own API key here, and only the
 * account's holder can read it (the path must be the authenticated account); the signing secret
 * is not part of FreeClimb's shape and is never returned.
 */
export function presentAccount(row: AccountRow): AccountResult {
  const uri = `/Accounts/${row.accountId}`;
  return {
    uri,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    accountId: row.accountId,
    apiKey: row.apiKey,
    alias: row.alias,
    label: row.label,
    type: "full",
    status: "active",
    // Only the collections Belay serves, so every listed URI answers.
    subresourceUris: {
      applications: `${uri}/Applications`,
      calls: `${uri}/Calls`,
      incomingPhoneNumbers: `${uri}/IncomingPhoneNumbers`,
      recordings: `${uri}/Recordings`,
      logs: `${uri}/Logs`,
    },
  };
}
