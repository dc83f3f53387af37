import { createHeaders } from "./message/headers.js";
import { parseNameAddr, scanNameAddr } from "./message/name-addr.js";
import type { SipRequest, SipResponse, SipUri } from "./message/types.js";
import { parseUri } from "./message/uri.js";
import { cseqOf, tagOf, USER_AGENT } from "./responses.js";
import { newBranch } from "./tokens.js";
import type { Endpoint } from "./transport.js";

/** What an in-dialog request needs from the transaction layer: our Via and Contact. */
export interface LocalIdentity {
  via(branch: string): string;
  /** `<sip:belay@host:port>` */
  contact: string;
}

/** What a dialog needs to send a BYE in another process: see Dialog.saved and Dialog.restore. */
export interface SavedDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  local: string;
  remote: string;
  /** The highest CSeq Belay has used in the dialog. */
  localSeq: number;
  remoteTarget: string;
  routeSet: string[];
  destination: Endpoint;
}

/**
 * One dialog (RFC 3261 section 12): the identifiers, both CSeq spaces, the remote target and the
 * route set, and where in-dialog requests go. Builds Belay's requests inside it.
 */
export class Dialog {
  readonly key: string;
  private remoteSeq: number | undefined;

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** From in our requests (with our tag). */
    private readonly local: string,
    /** To in our requests (with their tag). */
    private readonly remote: string,
    private localSeq: number,
    remoteSeq: number | undefined,
    private remoteTarget: string,
    private readonly routeSet: string[],
    /** Where the dialog-forming message came from: used when the target is no address we can send to. */
    private readonly source: Endpoint,
    private readonly identity: LocalIdentity,
  ) {
    this.key = dialogKey(callId, localTag, remoteTag);
    this.remoteSeq = remoteSeq;
  }

  /** RFC 3261 12.1.1: Belay answered an INVITE with `localTag`. */
  static asServer(invite: SipRequest, localTag: string, source: Endpoint, identity: LocalIdentity): Dialog {
    const seq = cseqOf(invite)?.seq ?? 0;
    return new Dialog(
      invite.headers.get("Call-ID") ?? "",
      localTag,
      tagOf(invite.headers.get("From")) ?? "",
      withTag(invite.headers.get("To") ?? "", localTag),
      invite.headers.get("From") ?? "",
      // Belay's own requests start after the peer's INVITE: its BYE carries CSeq+1.
      seq,
      seq,
      contactUri(invite) ?? invite.uri,
      invite.headers.getAll("Record-Route"),
      source,
      identity,
    );
  }

  /** RFC 3261 12.1.2: the far end answered Belay's INVITE. */
  static asClient(
    invite: SipRequest,
    response: SipResponse,
    source: Endpoint,
    identity: LocalIdentity,
  ): Dialog {
    return new Dialog(
      invite.headers.get("Call-ID") ?? "",
      tagOf(invite.headers.get("From")) ?? "",
      tagOf(response.headers.get("To")) ?? "",
      invite.headers.get("From") ?? "",
      response.headers.get("To") ?? "",
      cseqOf(invite)?.seq ?? 1,
      undefined,
      contactUri(response) ?? invite.uri,
      [...response.headers.getAll("Record-Route")].reverse(),
      source,
      identity,
    );
  }

  /**
   * A dialog a previous process confirmed, rebuilt from what it saved, to end it with a BYE.
   * `seqMargin` is added to the saved CSeq, above any request sent after it was saved.
   */
  static restore(saved: SavedDialog, identity: LocalIdentity, seqMargin: number): Dialog {
    return new Dialog(
      saved.callId,
      saved.localTag,
      saved.remoteTag,
      saved.local,
      saved.remote,
      saved.localSeq + seqMargin,
      undefined,
      saved.remoteTarget,
      saved.routeSet,
      saved.destination,
      identity,
    );
  }

  /** What restore() needs, as of now. */
  saved(): SavedDialog {
    return {
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: this.remoteTag,
      local: this.local,
      remote: this.remote,
      localSeq: this.localSeq,
      remoteTarget: this.remoteTarget,
      routeSet: [...this.routeSet],
      destination: this.destination(),
    };
  }

  /** False for a request whose CSeq is not above the last one (RFC 3261 12.2.2: answer 500). */
  acceptRemoteSeq(request: SipRequest): boolean {
    const seq = cseqOf(request)?.seq;
    if (seq === undefined) return false;
    if (request.method === "ACK" || request.method === "CANCEL") return true;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** A target refresh (re-INVITE): the peer may have moved. */
  refreshTarget(message: SipRequest | SipResponse): void {
    const contact = contactUri(message);
    if (contact) this.remoteTarget = contact;
  }

  /** Where Belay sends in-dialog requests: the first route, else the remote target, else the source. */
  destination(): Endpoint {
    const first = this.routeSet[0];
    const uri = first ? uriOf(first) : safeUri(this.remoteTarget);
    if (uri && isIpLiteral(uri.host)) return { address: uri.host, port: uri.port ?? 5060 };
    if (uri && uri.host === "localhost") return { address: "127.0.0.1", port: uri.port ?? 5060 };
    return this.source;
  }

  /** A new request inside the dialog (BYE, re-INVITE, OPTIONS), with the next CSeq. */
  request(
    method: string,
    body?: { contentType: string; bytes: Buffer },
    extraHeaders: Record<string, string> = {},
  ): SipRequest {
    this.localSeq++;
    const request = this.build(method, this.localSeq, newBranch(), body);
    for (const [name, value] of Object.entries(extraHeaders)) request.headers.append(name, value);
    return request;
  }

  /** The ACK for a 2xx to our INVITE with `seq`: a transaction of its own (new branch), same CSeq number. */
  ack(seq: number): SipRequest {
    return this.build("ACK", seq, newBranch());
  }

  private build(
    method: string,
    seq: number,
    branch: string,
    body?: { contentType: string; bytes: Buffer },
  ): SipRequest {
    const headers = createHeaders();
    headers.append("Via", this.identity.via(branch));
    headers.append("Max-Forwards", "70");
    for (const route of this.routeSet) headers.append("Route", route);
    headers.append("From", this.local);
    headers.append("To", this.remote);
    headers.append("Call-ID", this.callId);
    headers.append("CSeq", `${seq} ${method}`);
    headers.append("Contact", this.identity.contact);
    headers.append("User-Agent", USER_AGENT);
    if (body) headers.append("Content-Type", body.contentType);
    return { kind: "request", method, uri: this.remoteTarget, headers, body: body?.bytes ?? Buffer.alloc(0) };
  }
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

function withTag(value: string, tag: string): string {
  return tagOf(value) ? value : `${value};tag=${tag}`;
}

function contactUri(message: SipRequest | SipResponse): string | undefined {
  const contact = message.headers.getAll("Contact")[0];
  if (!contact) return undefined;
  try {
    return scanNameAddr(contact, "Contact").uriText;
  } catch {
    return undefined;
  }
}

function uriOf(nameAddr: string): SipUri | undefined {
  try {
    return parseNameAddr(nameAddr).uri;
  } catch {
    return undefined;
  }
}

function safeUri(text: string): SipUri | undefined {
  try {
    return parseUri(text);
  } catch {
    return undefined;
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
