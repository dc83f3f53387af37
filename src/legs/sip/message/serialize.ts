import { HeaderFields } from "./headers.js";
import type { SipMessage } from "./types.js";

/**
 * The bytes of a message: CRLF line ends, full header names, lists as they were given, and a
 * Content-Length that is always the body's real length (set where the header was, else last).
 * One allocation for the whole datagram.
 */
export function serializeSipMessage(message: SipMessage): Buffer {
  let head =
    message.kind === "request"
      ? `${message.method} ${message.uri} SIP/2.0\r\n`
      : `SIP/2.0 ${message.status} ${message.reason}\r\n`;
  const lines = message.headers instanceof HeaderFields ? message.headers.lines() : message.headers.entries();
  const length = String(message.body.length);
  let wroteLength = false;
  for (const [name, value] of lines) {
    if (name === "Content-Length") {
      if (wroteLength) continue;
      wroteLength = true;
      head += `Content-Length: ${length}\r\n`;
    } else {
      head += value === "" ? `${name}:\r\n` : `${name}: ${value}\r\n`;
    }
  }
  if (!wroteLength) head += `Content-Length: ${length}\r\n`;
  head += "\r\n";
  const headLength = Buffer.byteLength(head, "utf8");
  const out = Buffer.allocUnsafe(headLength + message.body.length);
  out.write(head, 0, "utf8");
  message.body.copy(out, headLength);
  return out;
}
