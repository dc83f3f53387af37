import type { Belay } from "../../src/server/belay.js";
import type { AccountRow } from "../../src/store/types.js";
import { basicAuth, FROM, TO } from "../e2e/harness.js";

/** Places a fast virtual call as `account` through the REST API; resolves with its call id once it ended. */
export async function callAs(
  belay: Belay,
  account: AccountRow,
  appUrl: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await fetch(`${belay.publicUrl()}/belay/v1/virtual-calls`, {
    method: "POST",
    headers: {
      authorization: basicAuth(account.accountId, account.apiKey),
      "content-type": "application/json",
    },
    body: JSON.stringify({ appUrl, from: FROM, to: TO, fast: true, ...extra }),
  });
  const lines = (await response.text()).trim().split("\n");
  const result = JSON.parse(lines.at(-1) ?? "{}") as { type?: string; callId?: string };
  if (response.status !== 200 || result.type !== "result" || !result.callId)
    throw new Error(`virtual call failed: ${response.status} ${lines.at(-1)}`);
  return result.callId;
}
