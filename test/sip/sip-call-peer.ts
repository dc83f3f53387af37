/**
 * The caller's side of a SIP call, as raw text: INVITE, then ACK, BYE, CANCEL and re-INVITE built
 * from what Belay answered, the way a user agent does (RFC 3261 sections 12 to 15).
 */
import { randomBytes } from "node:crypto";
import type { SipResponse } from "../../src/legs/sip/message/types.js";
import type { Belay } from "../../src/server/belay.js";
import { routeNumber } from "../helpers/route-number.js";
import { peerRequest } from "./sip-text.js";
import { sdpOffer, type UdpPeer } from "./udp-peer.js";

export class PeerCall {
  readonly callId = `${randomBytes(6).toString("hex")}@peer`;
  readonly fromTag = randomBytes(4).toString("hex");
  readonly uri: string;
  private readonly inviteBranch = branch();
  private cseq = 1;
  private invites = 0;
  /** To with Belay's tag, once a response carried it. */
  private to: string | undefined;

  constructor(
    private readonly peer: UdpPeer,
    private readonly belayPort: number,
    readonly number: string,
    readonly rtpPort = 40_000,
  ) {
    this.uri = `sip:${number}@127.0.0.1:${belayPort}`;
  }

  /** The INVITE; sent again, it is the same request on a new branch (RFC 3261 8.2.2.2). `body: ""` sends none. */
  invite(options: { body?: string; contentType?: string; extra?: string[] } = {}): void {
    this.send(
      "INVITE",
      this.invites++ === 0 ? this.inviteBranch : branch(),
      1,
      {
        body: options.body ?? sdpOffer(this.rtpPort),
        ...(options.contentType ? { contentType: options.contentType } : {}),
        ...(options.extra ? { extra: options.extra } : {}),
      },
      false,
    );
  }

  /** Remembers Belay's To tag from a response. */
  answered(response: SipResponse): this {
    this.to = response.headers.get("To");
    return this;
  }

  /** The ACK for a 2xx: a new transaction (new branch), CSeq number of the INVITE. */
  ack(seq = 1, body?: string): void {
    this.send("ACK", branch(), seq, body ? { body } : {});
  }

  /** The ACK for a failure: the INVITE's own branch. */
  ackFailure(): void {
    this.send("ACK", this.inviteBranch, 1, {});
  }

  cancel(): void {
    this.send("CANCEL", this.inviteBranch, 1, {}, false);
  }

  bye(): number {
    this.cseq++;
    this.send("BYE", branch(), this.cseq, {});
    return this.cseq;
  }

  reinvite(body: string): number {
    this.cseq++;
    this.send("INVITE", branch(), this.cseq, { body });
    return this.cseq;
  }

  /** Any in-dialog request, e.g. OPTIONS or INFO. */
  inDialog(method: string, body?: string, contentType?: string): number {
    this.cseq++;
    this.send(method, branch(), this.cseq, {
      ...(body ? { body } : {}),
      ...(contentType ? { contentType } : {}),
    });
    return this.cseq;
  }

  private send(
    method: string,
    viaBranch: string,
    cseq: number,
    options: { body?: string; contentType?: string; extra?: string[] },
    withDialogTo = true,
  ): void {
    const to = withDialogTo && this.to ? this.to : `<${this.uri}>`;
    this.peer.send(
      peerRequest({
        method,
        uri: this.uri,
        branch: viaBranch,
        callId: this.callId,
        fromTag: this.fromTag,
        cseq,
        via: this.peer.via,
        to,
        ...options,
      }),
      this.belayPort,
    );
  }
}

export function branch(): string {
  return `z9hG4bK${randomBytes(6).toString("hex")}`;
}

/** A number in Belay's default account whose application's voiceUrl is `voiceUrl`. */
export async function addNumber(
  belay: Belay,
  phoneNumber: string,
  voiceUrl: string,
  statusUrl: string,
): Promise<void> {
  await routeNumber(belay, { phoneNumber, voiceUrl, statusCallbackUrl: statusUrl });
}
