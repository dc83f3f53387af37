import type { Logger } from "pino";
import type { SipDialogRepo, SipDialogRow } from "../../store/types.js";
import { Dialog, type LocalIdentity } from "./dialog.js";
import { type DialogJournal, savedOf } from "./dialog-journal.js";
import type { TransactionLayer } from "./transaction-layer.js";

/** RFC 3326: why the peer's call ends. */
export const RESTART_REASON = 'SIP;cause=500;text="Belay restarted"';

/**
 * Added to the CSeq saved at confirm. Belay sends no in-dialog request but its BYE, so the saved
 * CSeq is the highest it used, unless that BYE went out just before the crash: the restart's BYE
 * (saved + 2) is above both.
 */
export const RESTART_CSEQ_MARGIN = 1;

/**
 * At start-up: every dialog a previous process left in the store (it crashed, or was killed, with
 * calls up) gets a BYE in a client transaction of its own (retransmitted per RFC 3261 17.1.2).
 * Each row is deleted once the BYE is answered, whatever the status, or has timed out, with one
 * log line. Resolves once the BYEs are sent; the promises returned settle as each is answered.
 */
export async function byeLeftDialogs(deps: {
  repo: SipDialogRepo;
  journal: DialogJournal;
  layer: TransactionLayer;
  identity: LocalIdentity;
  logger: Logger;
}): Promise<Array<Promise<void>>> {
  const left = await deps.repo.list();
  if (left.length > 0)
    deps.logger.warn(
      { dialogs: left.length },
      "a previous Belay process left SIP calls up: sending each peer a BYE",
    );
  return left.map((row) => byeOne(row, deps));
}

function byeOne(
  row: SipDialogRow,
  deps: { journal: DialogJournal; layer: TransactionLayer; identity: LocalIdentity; logger: Logger },
): Promise<void> {
  const logger = deps.logger.child({ callId: row.callId, sipCallId: row.sipCallId });
  const dialog = Dialog.restore(savedOf(row), deps.identity, RESTART_CSEQ_MARGIN);
  const bye = dialog.request("BYE", undefined, { Reason: RESTART_REASON });
  const destination = { address: row.destinationAddress, port: row.destinationPort };
  return new Promise<void>((resolve) => {
    deps.layer.sendRequest(bye, destination, {
      response: (response) => {
        if (response.status < 200) return;
        logger.info(
          { status: response.status, destination },
          "BYE for a SIP call the previous process left up: answered",
        );
        void deps.journal.forget(row).then(resolve);
      },
      timeout: () => {
        logger.warn({ destination }, "BYE for a SIP call the previous process left up: no answer, given up");
        void deps.journal.forget(row).then(resolve);
      },
    });
  });
}
