/** Header names: compact forms (RFC 3261 7.3.3 and the IANA registry) and canonical spellings. */

const COMPACT: Record<string, string> = {
  a: "Accept-Contact",
  b: "Referred-By",
  c: "Content-Type",
  d: "Request-Disposition",
  e: "Content-Encoding",
  f: "From",
  i: "Call-ID",
  j: "Reject-Contact",
  k: "Supported",
  l: "Content-Length",
  m: "Contact",
  n: "Identity-Info",
  o: "Event",
  r: "Refer-To",
  s: "Subject",
  t: "To",
  u: "Allow-Events",
  v: "Via",
  x: "Session-Expires",
  y: "Identity",
};

// Spelled as the RFCs spell them; anything else keeps the spelling it arrived with.
const KNOWN = [
  "Accept",
  "Accept-Encoding",
  "Accept-Language",
  "Alert-Info",
  "Allow",
  "Authentication-Info",
  "Authorization",
  "Call-ID",
  "Call-Info",
  "Contact",
  "Content-Disposition",
  "Content-Language",
  "CSeq",
  "Date",
  "Error-Info",
  "Expires",
  "History-Info",
  "In-Reply-To",
  "Max-Forwards",
  "MIME-Version",
  "Min-Expires",
  "Min-SE",
  "Organization",
  "P-Asserted-Identity",
  "P-Preferred-Identity",
  "Path",
  "Priority",
  "Privacy",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Proxy-Require",
  "RAck",
  "Reason",
  "Record-Route",
  "Replaces",
  "Reply-To",
  "Require",
  "Retry-After",
  "Route",
  "RSeq",
  "Server",
  "Service-Route",
  "Subscription-State",
  "Timestamp",
  "Unsupported",
  "User-Agent",
  "Warning",
  "WWW-Authenticate",
  ...Object.values(COMPACT),
];

const CANONICAL = new Map<string, string>(KNOWN.map((name) => [name.toLowerCase(), name]));
for (const [short, full] of Object.entries(COMPACT)) CANONICAL.set(short, full);

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 7.3.1), so one line may carry several
 * values. Others (Date, WWW-Authenticate, Authorization, unknown ones…) may contain commas that
 * separate nothing, so they are never split.
 */
export const LIST_HEADERS = new Set(
  [
    "Accept",
    "Accept-Contact",
    "Accept-Encoding",
    "Accept-Language",
    "Alert-Info",
    "Allow",
    "Allow-Events",
    "Call-Info",
    "Contact",
    "Content-Encoding",
    "Content-Language",
    "Error-Info",
    "History-Info",
    "In-Reply-To",
    "P-Asserted-Identity",
    "P-Preferred-Identity",
    "Path",
    "Proxy-Require",
    "Reason",
    "Record-Route",
    "Reject-Contact",
    "Request-Disposition",
    "Require",
    "Route",
    "Service-Route",
    "Supported",
    "Unsupported",
    "Via",
    "Warning",
  ].map((name) => name.toLowerCase()),
);

/** The lookup key of a header name: lowercased, compact forms expanded. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower]?.toLowerCase() ?? lower;
  return lower;
}

/** The name as Belay writes it: the canonical spelling if known, else as given. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(name.toLowerCase()) ?? name;
}
