import type { Logger } from "pino";
import type { SipDialogKey, SipDialogRepo, SipDialogRow } from "../../store/types.js";
import type { Dialog, SavedDialog } from "./dialog.js";

/** Belay's call a dialog belongs to, written beside it. */
export interface DialogOwner {
  callId: string;
  accountId: string;
}

/**
 * Keeps each confirmed dialog in the store while it lasts (one insert when confirmed, one delete
 * when it ends), so that after a crash the next process can send its BYE (left-dialogs.ts). A
 * failed write is logged and changes nothing for the call: only a crash would then leave the peer
 * without its BYE.
 */
export class DialogJournal {
  /** Inserts by dialog key: true once the row is stored. A delete waits for its insert. */
  private readonly recorded = new Map<string, Promise<boolean>>();
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly repo: SipDialogRepo,
    private readonly logger: Logger,
  ) {}

  /** The dialog is confirmed (Belay sent or received its 2xx): record what a BYE needs. */
  confirmed(dialog: Dialog, owner: DialogOwner, logger: Logger): void {
    if (this.recorded.has(dialog.key)) return;
    const saved = dialog.saved();
    const insert = this.repo.create({ ...rowOf(saved), ...owner }).then(
      () => true,
      (err: unknown) => {
        logger.warn(
          { err },
          "could not record the SIP dialog: a crash now would leave the peer without a BYE",
        );
        return false;
      },
    );
    this.recorded.set(dialog.key, insert);
    this.track(insert);
  }

  /** The dialog is over (BYE either way, or given up): its row goes. */
  ended(dialog: Dialog): void {
    const insert = this.recorded.get(dialog.key);
    if (!insert) return;
    this.recorded.delete(dialog.key);
    this.track(insert.then((stored) => (stored ? this.forget(keyOf(dialog.saved())) : undefined)));
  }

  /** Deletes a row (an ended dialog, or one a previous process left and that is now BYEd). */
  forget(key: SipDialogKey): Promise<void> {
    const deleted = this.repo.delete(key).then(
      () => undefined,
      (err: unknown) =>
        this.logger.warn({ err, sipCallId: key.sipCallId }, "could not delete an ended SIP dialog's row"),
    );
    this.track(deleted);
    return deleted;
  }

  /** Resolves once every write started so far (and any they started) has finished. */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    write.finally(() => this.writes.delete(write)).catch(() => undefined);
  }
}

function keyOf(saved: SavedDialog): SipDialogKey {
  return { sipCallId: saved.callId, localTag: saved.localTag, remoteTag: saved.remoteTag };
}

function rowOf(saved: SavedDialog) {
  return {
    ...keyOf(saved),
    localUri: saved.local,
    remoteUri: saved.remote,
    remoteTarget: saved.remoteTarget,
    routeSet: saved.routeSet,
    localCseq: saved.localSeq,
    destinationAddress: saved.destination.address,
    destinationPort: saved.destination.port,
  };
}

/** A stored row as restore() takes it. */
export function savedOf(row: Omit<SipDialogRow, "callId" | "accountId">): SavedDialog {
  return {
    callId: row.sipCallId,
    localTag: row.localTag,
    remoteTag: row.remoteTag,
    local: row.localUri,
    remote: row.remoteUri,
    localSeq: row.localCseq,
    remoteTarget: row.remoteTarget,
    routeSet: row.routeSet,
    destination: { address: row.destinationAddress, port: row.destinationPort },
  };
}
