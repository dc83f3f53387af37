import { SdpParseError } from "./errors.js";
import type { SdpAttribute, SdpMedia, SdpSession } from "./session.js";
import type { AudioOffer } from "./types.js";

// RFC 3551 static payload types Belay may meet without an rtpmap.
const STATIC: Record<number, [string, number]> = {
  0: ["PCMU", 8000],
  3: ["GSM", 8000],
  4: ["G723", 8000],
  8: ["PCMA", 8000],
  9: ["G722", 8000],
  13: ["CN", 8000],
  18: ["G729", 8000],
};

const DIRECTIONS = new Set(["sendrecv", "sendonly", "recvonly", "inactive"]);

/**
 * An SDP body (RFC 4566): CRLF or bare LF, unknown lines and attributes ignored (a=ssrc,
 * a=rtcp-rsize, a=rtcp, a=label…). Refused: no v=0 first, a malformed m= or c=, a port out of range.
 */
export function parseSdp(text: string | Buffer): SdpSession {
  const source = typeof text === "string" ? text : text.toString("utf8");
  const lines = source.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines[0]?.trimEnd() !== "v=0") throw new SdpParseError("does not start with v=0");

  const session: SdpSession = {
    origin: undefined,
    connection: undefined,
    attributes: [],
    media: [],
    audio: undefined,
    audioIndex: -1,
  };
  let current: SdpMedia | undefined;
  for (const raw of lines.slice(1)) {
    const line = raw.trimEnd();
    if (line[1] !== "=") throw new SdpParseError(`line without type=value: ${line.slice(0, 40)}`);
    const type = line[0];
    const value = line.slice(2);
    if (type === "m") {
      current = parseMediaLine(value);
      session.media.push(current);
    } else if (type === "c") {
      const address = parseConnection(value);
      if (current) current.connection = address;
      else session.connection = address;
    } else if (type === "a") {
      (current ? current.attributes : session.attributes).push(parseAttribute(value));
    } else if (type === "o" && !current) {
      const [username = "", sessionId = "", version = "", , , address = ""] = value.split(/ +/);
      session.origin = { username, sessionId, version, address };
    }
  }

  let index = session.media.findIndex((m) => m.type === "audio" && m.port !== 0);
  if (index < 0) index = session.media.findIndex((m) => m.type === "audio");
  const media = session.media[index];
  if (media) {
    session.audioIndex = index;
    session.audio = audioOffer(session, media);
  }
  return session;
}

function parseMediaLine(value: string): SdpMedia {
  const [type, portSpec, protocol, ...formats] = value.split(/ +/);
  const port = /^(\d{1,5})(?:\/\d+)?$/.exec(portSpec ?? "")?.[1];
  if (!type || port === undefined || !protocol || formats.length === 0 || Number(port) > 65535) {
    throw new SdpParseError("malformed m= line");
  }
  return { type, port: Number(port), protocol, formats, connection: undefined, attributes: [] };
}

/** `IN IP4 192.0.2.1[/ttl]` → the address. */
function parseConnection(value: string): string {
  const match = /^IN +IP([46]) +([^ /]+)(?:\/\d+)*$/.exec(value.trim());
  if (match === null) throw new SdpParseError("malformed c= line");
  return match[2] as string;
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(":");
  if (colon < 0) return { name: value.trim(), value: null };
  return { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() };
}

function audioOffer(session: SdpSession, media: SdpMedia): AudioOffer {
  const attribute = (name: string) =>
    media.attributes.find((a) => a.name === name) ?? session.attributes.find((a) => a.name === name);
  const rtpmap = new Map<number, [string, number]>();
  const fmtp = new Map<number, string>();
  for (const a of media.attributes) {
    if (a.value === null) continue;
    const map = /^(\d+) +([^/ ]+)\/(\d+)/.exec(a.value);
    if (a.name === "rtpmap" && map) rtpmap.set(Number(map[1]), [map[2] as string, Number(map[3])]);
    const params = /^(\d+) +(.*)$/.exec(a.value);
    if (a.name === "fmtp" && params) fmtp.set(Number(params[1]), params[2] as string);
  }
  const formats: AudioOffer["formats"] = [];
  for (const token of media.formats) {
    if (!/^\d{1,3}$/.test(token) || Number(token) > 127) continue; // not an RTP payload type
    const payloadType = Number(token);
    const [encoding, clockRate] = rtpmap.get(payloadType) ?? STATIC[payloadType] ?? ["", 0];
    const format: AudioOffer["formats"][number] = { payloadType, encoding, clockRate };
    const params = fmtp.get(payloadType);
    if (params !== undefined) format.fmtp = params;
    formats.push(format);
  }
  const ptime = attribute("ptime")?.value;
  const ptimeMs = ptime && /^\d+(\.\d+)?$/.test(ptime) ? Number(ptime) : undefined;
  const declared =
    media.attributes.find((a) => DIRECTIONS.has(a.name))?.name ??
    session.attributes.find((a) => DIRECTIONS.has(a.name))?.name ??
    "sendrecv";
  const address = media.connection ?? session.connection ?? "";
  let direction = declared as AudioOffer["direction"];
  // RFC 2543 hold (RFC 3264 8.4): c=0.0.0.0 means "do not send to me", whatever the attribute.
  if (address === "0.0.0.0")
    direction = direction === "sendrecv" || direction === "sendonly" ? "sendonly" : "inactive";
  return { address, port: media.port, formats, ptimeMs, direction, protocol: media.protocol };
}
