/**
 * Raw SIP text for tests, written as a peer would send it: CRLF line ends and a correct
 * Content-Length, so each test shows exactly the bytes on the wire.
 */
export function sipText(startLine: string, headers: Array<string>, body = ""): Buffer {
  const lines = [startLine, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, "", body];
  return Buffer.from(lines.join("\r\n"));
}

export interface PeerRequest {
  method: string;
  uri: string;
  branch: string;
  callId: string;
  fromTag: string;
  cseq: number;
  /** host:port in the peer's Via. */
  via: string;
  to?: string;
  from?: string;
  contact?: string;
  extra?: string[];
  body?: string;
  contentType?: string;
}

/** A request from a peer at `via`, the headers in the order real user agents send them. */
export function peerRequest(r: PeerRequest): Buffer {
  const headers = [
    `Via: SIP/2.0/UDP ${r.via};branch=${r.branch};rport`,
    "Max-Forwards: 70",
    `From: ${r.from ?? `<sip:+15550001111@${r.via}>`};tag=${r.fromTag}`,
    `To: ${r.to ?? `<${r.uri}>`}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.method}`,
    ...(r.contact === undefined
      ? [`Contact: <sip:peer@${r.via}>`]
      : r.contact
        ? [`Contact: ${r.contact}`]
        : []),
    ...(r.extra ?? []),
    ...(r.body ? [`Content-Type: ${r.contentType ?? "application/sdp"}`] : []),
  ];
  return sipText(`${r.method} ${r.uri} SIP/2.0`, headers, r.body ?? "");
}
