import type { Logger } from "pino";
import { type Dialog, dialogKey } from "./dialog.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import { ACCEPT, ALLOW, ALLOWED_METHODS, responseFor, tagOf } from "./responses.js";
import type {
  InviteServerTransaction,
  NonInviteServerTransaction,
  ServerTransaction,
} from "./server-transaction.js";
import type { TransactionLayer, TransactionUser } from "./transaction-layer.js";
import type { Endpoint } from "./transport.js";

/** A call's side of its dialog: the requests and ACKs the peer sends inside it. */
export interface DialogUser {
  request(request: SipRequest, transaction: ServerTransaction): void;
  ack(request: SipRequest): void;
  /** A retransmitted 2xx to Belay's INVITE: send the ACK again. */
  retransmitted2xx(response: SipResponse): void;
}

/** Who takes a new INVITE: the inbound call handler. */
export type InviteHandler = (
  request: SipRequest,
  transaction: InviteServerTransaction,
  source: Endpoint,
) => void;

/**
 * The UA core above the transactions: sends each request to its dialog, answers what belongs to
 * no dialog (OPTIONS 200, BYE 481, unknown methods 405) and CANCELs of pending INVITEs.
 */
export class UserAgent implements TransactionUser {
  private readonly dialogs = new Map<string, DialogUser>();
  /** Call-ID and the peer's tag → dialog key: spots an INVITE for a call that already has its dialog. */
  private readonly byRemote = new Map<string, string>();
  private readonly cancellable = new Map<InviteServerTransaction, () => void>();
  private inviteHandler: InviteHandler | undefined;

  constructor(
    readonly layer: TransactionLayer,
    private readonly logger: Logger,
  ) {
    layer.setUser(this);
  }

  /** Entries of the maps keyed by what peers send, for tests: each is bounded by calls or transactions. */
  get size(): { dialogs: number; byRemote: number; cancellable: number } {
    return { dialogs: this.dialogs.size, byRemote: this.byRemote.size, cancellable: this.cancellable.size };
  }

  onInvite(handler: InviteHandler): void {
    this.inviteHandler = handler;
  }

  addDialog(dialog: Dialog, user: DialogUser): void {
    this.dialogs.set(dialog.key, user);
    this.byRemote.set(remoteKey(dialog.callId, dialog.remoteTag), dialog.key);
  }

  removeDialog(dialog: Dialog): void {
    this.dialogs.delete(dialog.key);
    if (this.byRemote.get(remoteKey(dialog.callId, dialog.remoteTag)) === dialog.key)
      this.byRemote.delete(remoteKey(dialog.callId, dialog.remoteTag));
  }

  /** A pending INVITE the peer may CANCEL; `onCancel` runs after the 200 to the CANCEL. */
  addCancellable(invite: InviteServerTransaction, onCancel: () => void): void {
    this.cancellable.set(invite, onCancel);
  }

  removeCancellable(invite: InviteServerTransaction): void {
    this.cancellable.delete(invite);
  }

  request(request: SipRequest, transaction: ServerTransaction, source: Endpoint): void {
    // RFC 3261 8.2.2.3: Belay supports no extension a request could require (100rel, timer…).
    const required = request.headers.getAll("Require").filter((option) => option.trim() !== "");
    if (required.length > 0) {
      transaction.respond(
        responseFor(request, 420, undefined, { headers: { Unsupported: required.join(", ") } }),
      );
      return;
    }
    const toTag = tagOf(request.headers.get("To"));
    if (toTag) {
      const dialog = this.dialogs.get(
        dialogKey(request.headers.get("Call-ID") ?? "", toTag, tagOf(request.headers.get("From")) ?? ""),
      );
      if (dialog) dialog.request(request, transaction);
      else transaction.respond(responseFor(request, 481));
      return;
    }
    switch (request.method) {
      case "INVITE":
        // RFC 3261 8.2.2.2: the same call's INVITE again, on another branch (a late copy after its
        // transaction ended, or a fork that looped back): not a new call.
        if (
          this.byRemote.has(
            remoteKey(request.headers.get("Call-ID") ?? "", tagOf(request.headers.get("From")) ?? ""),
          )
        ) {
          transaction.respond(responseFor(request, 482));
          return;
        }
        if (this.inviteHandler) this.inviteHandler(request, transaction as InviteServerTransaction, source);
        else transaction.respond(responseFor(request, 503, undefined, { headers: { "Retry-After": "60" } }));
        return;
      case "OPTIONS":
        transaction.respond(optionsResponse(request));
        return;
      case "BYE":
        transaction.respond(responseFor(request, 481));
        return;
      default:
        transaction.respond(methodNotAllowed(request));
    }
  }

  /**
   * RFC 3261 9.2: a CANCEL that matches an INVITE transaction gets 200 (even when the INVITE was
   * already answered, where it changes nothing); a pending INVITE is then ended with 487.
   */
  cancel(
    request: SipRequest,
    transaction: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void {
    if (!invite) {
      transaction.respond(responseFor(request, 481));
      return;
    }
    transaction.respond(responseFor(request, 200));
    const onCancel = this.cancellable.get(invite);
    if (!onCancel || invite.state !== "proceeding") return;
    this.cancellable.delete(invite);
    onCancel();
  }

  ack(request: SipRequest): void {
    const dialog = this.dialogs.get(
      dialogKey(
        request.headers.get("Call-ID") ?? "",
        tagOf(request.headers.get("To")) ?? "",
        tagOf(request.headers.get("From")) ?? "",
      ),
    );
    if (dialog) dialog.ack(request);
    else this.logger.debug({ callId: request.headers.get("Call-ID") }, "ACK for no dialog dropped");
  }

  stray2xx(response: SipResponse): void {
    const dialog = this.dialogs.get(
      dialogKey(
        response.headers.get("Call-ID") ?? "",
        tagOf(response.headers.get("From")) ?? "",
        tagOf(response.headers.get("To")) ?? "",
      ),
    );
    dialog?.retransmitted2xx(response);
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }
}

function remoteKey(callId: string, remoteTag: string): string {
  return `${callId}\n${remoteTag}`;
}

export function optionsResponse(request: SipRequest): SipResponse {
  return responseFor(request, 200, undefined, {
    headers: { Allow: ALLOW, Accept: ACCEPT, "Accept-Encoding": "identity", "Accept-Language": "en" },
  });
}

export function methodNotAllowed(request: SipRequest): SipResponse {
  const known = (ALLOWED_METHODS as readonly string[]).includes(request.method);
  // A method Belay knows but that makes no sense here (an ACK or CANCEL never gets here) is still 405.
  return responseFor(request, 405, known ? "Method Not Allowed Here" : undefined, {
    headers: { Allow: ALLOW },
  });
}
