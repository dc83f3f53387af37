import { BelayError } from "../../errors.js";
import { parseUri } from "./message/uri.js";
import type { SipTarget } from "./sip-callee.js";

/**
 * `--sip-outbound 'sip:{to}@127.0.0.1:5080'` for one call: the Request-URI with the number put
 * in, where to send it (the URI's host and port; a hostname is resolved when sending), and Belay's
 * From.
 */
export function outboundTarget(template: string, to: string, from: string, advertiseHost: string): SipTarget {
  if (!/^\+?[0-9A-Za-z*#.\-_]+$/.test(to))
    throw new BelayError("SIP_TARGET_INVALID", `"${to}" cannot be the user part of a SIP URI`, { to });
  const uri = template.replaceAll("{to}", to);
  let parsed: ReturnType<typeof parseUri>;
  try {
    parsed = parseUri(uri);
  } catch (err) {
    throw new BelayError(
      "SIP_TARGET_INVALID",
      `the SIP outbound target ${uri} is not a SIP URI`,
      { uri },
      { cause: err },
    );
  }
  if (parsed.scheme === "tel" || !parsed.host)
    throw new BelayError("SIP_TARGET_INVALID", `the SIP outbound target ${uri} has no host`, { uri });
  const address = parsed.host === "localhost" ? "127.0.0.1" : parsed.host;
  const user = /^\+?[0-9A-Za-z*#.\-_]+$/.test(from) ? from : "anonymous";
  const host = advertiseHost.includes(":") ? `[${advertiseHost}]` : advertiseHost;
  return { uri, destination: { address, port: parsed.port ?? 5060 }, fromUri: `sip:${user}@${host}` };
}
