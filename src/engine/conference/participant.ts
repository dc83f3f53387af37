import type { CallFields } from "../../contract/webhooks.js";
import type { MixerSeat } from "./mixer.js";

/** Why a participant left its conference; it becomes the call's end reason when nothing continues it. */
export type LeaveReason = "hangup" | "removed" | "terminated" | "emptied";

export interface ParticipantFlags {
  talk: boolean;
  listen: boolean;
  dtmfPassThrough: boolean;
  startConfOnEnter: boolean;
}

/** What the conference may ask of a participant's call. */
export interface ParticipantCall {
  readonly callId: string;
  /** The call's webhook fields right now (status, from, to, …), for conference webhooks it causes. */
  fields(): CallFields;
  /** Plays keys another participant pressed (dtmfPassThrough). */
  sendDigits(digits: string): void;
}

/**
 * One call in one conference: its seat at the mixer, its privileges, and the promise its
 * AddToConference waits on until it leaves.
 */
export class Participant {
  readonly left: Promise<LeaveReason>;
  private resolveLeft!: (reason: LeaveReason) => void;
  private gone = false;

  constructor(
    readonly call: ParticipantCall,
    readonly seat: MixerSeat,
    readonly flags: ParticipantFlags,
  ) {
    this.left = new Promise((resolve) => {
      this.resolveLeft = resolve;
    });
    seat.talk = flags.talk;
    seat.listen = flags.listen;
  }

  get callId(): string {
    return this.call.callId;
  }

  get hasLeft(): boolean {
    return this.gone;
  }

  setTalk(talk: boolean): void {
    this.flags.talk = talk;
    this.seat.talk = talk;
  }

  setListen(listen: boolean): void {
    this.flags.listen = listen;
    this.seat.listen = listen;
    // A participant that stops listening hears silence, not what was queued before.
    if (!listen) this.seat.output.clear();
  }

  setDtmfPassThrough(on: boolean): void {
    this.flags.dtmfPassThrough = on;
  }

  /** Called by the conference once it has let the participant go. */
  markLeft(reason: LeaveReason): void {
    if (this.gone) return;
    this.gone = true;
    this.resolveLeft(reason);
  }
}
