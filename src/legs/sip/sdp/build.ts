import { DEFAULT_PTIME_MS } from "./negotiate.js";
import type { SdpSession } from "./session.js";
import type { AudioOffer, MediaPlan } from "./types.js";

/** Belay's side of the session: where it receives RTP, and the o= line's identity (RFC 4566 5.2). */
export interface LocalSdp {
  address: string;
  port: number;
  /** Numeric string, the same for the whole call. */
  sessionId: string;
  /** Incremented whenever Belay's SDP changes within the call (RFC 3264 8). */
  version: number;
}

export interface OfferOptions {
  direction?: AudioOffer["direction"];
  ptimeMs?: number;
}

/** Belay's outbound offer: PCMU 0, PCMA 8, telephone-event 101 (0-15), ptime 20, sendrecv. */
export function buildOffer(local: LocalSdp, options: OfferOptions = {}): string {
  const lines = header(local);
  lines.push(
    `m=audio ${local.port} RTP/AVP 0 8 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15",
    `a=ptime:${options.ptimeMs ?? DEFAULT_PTIME_MS}`,
    `a=${options.direction ?? "sendrecv"}`,
  );
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * Belay's answer for a negotiated plan. With the parsed offer, every other m-line is answered
 * in place with port 0 (declined, RFC 3264 6), as the answer must list as many m-lines as the offer.
 */
export function buildAnswer(plan: MediaPlan, local: LocalSdp, offer?: SdpSession): string {
  const te = plan.telephoneEventPt;
  const audio = [`m=audio ${local.port} RTP/AVP ${plan.payloadType}${te === undefined ? "" : ` ${te}`}`];
  audio.push(`a=rtpmap:${plan.payloadType} ${plan.codec}/8000`);
  if (te !== undefined) {
    const offered = offer?.audio?.formats.find((f) => f.payloadType === te)?.fmtp;
    audio.push(`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} ${answerEvents(offered)}`);
  }
  audio.push(`a=ptime:${plan.ptimeMs}`, `a=${plan.direction}`);

  const lines = header(local);
  if (offer === undefined || offer.audioIndex < 0) {
    lines.push(...audio);
  } else {
    offer.media.forEach((media, index) => {
      if (index === offer.audioIndex) lines.push(...audio);
      else lines.push(`m=${media.type} 0 ${media.protocol} ${media.formats[0] ?? "0"}`);
    });
  }
  return `${lines.join("\r\n")}\r\n`;
}

function header(local: LocalSdp): string[] {
  const family = local.address.includes(":") ? "IP6" : "IP4";
  return [
    "v=0",
    `o=belay ${local.sessionId} ${local.version} IN ${family} ${local.address}`,
    "s=belay",
    `c=IN ${family} ${local.address}`,
    "t=0 0",
  ];
}

/**
 * The RFC 4733 events Belay agrees to: those the peer listed (`0-11,16` from sipp) that Belay
 * sends and understands, the 16 DTMF events 0-15. Without a list the RFC 4733 default is 0-15.
 */
export function answerEvents(offered: string | undefined): string {
  if (offered === undefined) return "0-15";
  const events = new Set<number>();
  for (const part of offered.split(",")) {
    const range = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!range) continue;
    const from = Number(range[1]);
    const to = Math.min(15, Number(range[2] ?? range[1]));
    for (let e = from; e <= to; e++) events.add(e);
  }
  if (events.size === 0) return "0-15";
  const ranges: string[] = [];
  for (let e = 0; e <= 15; e++) {
    if (!events.has(e) || events.has(e - 1)) continue;
    let end = e;
    while (events.has(end + 1)) end++;
    ranges.push(end === e ? `${e}` : `${e}-${end}`);
  }
  return ranges.join(",");
}
