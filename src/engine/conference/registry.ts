import { newId } from "../../contract/ids.js";
import { BelayError } from "../../errors.js";
import type { ConferenceRow, ParticipantRow, PlayBeep } from "../../store/types.js";
import { Conference, type ConferenceDeps, type ConferenceSettings } from "./conference.js";

/** Why a change to a live conference was refused. */
export type ConferenceChange<T> =
  | { ok: true; row: T }
  | { ok: false; code: "notFound" | "terminated"; message: string };

/**
 * The live conferences of this Belay, by id. PerCL commands find theirs here, and the REST API
 * changes them through it (it implements src/calls/conference-control.ts).
 */
export class ConferenceRegistry {
  private readonly live = new Map<string, Conference>();

  constructor(private readonly deps: ConferenceDeps) {}

  /** A new conference on `clock` (the creating call's; Belay's own for POST /Conferences). */
  async open(settings: ConferenceSettings, clock = this.deps.clock): Promise<Conference> {
    const conference = await Conference.create({ ...this.deps, clock }, newId("CF"), settings);
    this.live.set(conference.id, conference);
    void conference.ended.then(() => this.live.delete(conference.id));
    return conference;
  }

  get(accountId: string, conferenceId: string): Conference | undefined {
    const conference = this.live.get(conferenceId);
    return conference?.accountId === accountId ? conference : undefined;
  }

  get size(): number {
    return this.live.size;
  }

  /** Resolves once every conference live now has ended. */
  async drained(): Promise<void> {
    await Promise.all([...this.live.values()].map((c) => c.ended));
  }

  /** Shutdown: every conference ends (its recording is stored and announced). */
  async shutdown(): Promise<void> {
    const all = [...this.live.values()];
    for (const conference of all) conference.terminate();
    await Promise.allSettled(all.map((c) => c.ended));
  }

  // --- the REST API's view (ConferenceControl) ---

  async create(request: {
    accountId: string;
    alias: string | null;
    playBeep: PlayBeep;
    record: boolean;
    waitUrl: string | null;
    statusCallbackUrl: string;
  }): Promise<ConferenceRow> {
    const conference = await this.open({ ...request, actionUrl: null, callId: null });
    return this.row(conference);
  }

  async update(
    accountId: string,
    conferenceId: string,
    patch: { alias?: string; playBeep?: PlayBeep; status?: "empty" | "terminated" },
  ): Promise<ConferenceChange<ConferenceRow>> {
    const found = await this.find(accountId, conferenceId);
    if (!found.ok) return found;
    const conference = found.row;
    const { status, ...settings } = patch;
    // Settings first, stored with the status change they come with: one update, one revision.
    conference.configure(settings);
    if (status === "terminated") conference.terminate();
    else if (status === "empty") conference.empty();
    conference.storeSettings();
    return { ok: true, row: await this.row(conference) };
  }

  async updateParticipant(
    accountId: string,
    conferenceId: string,
    callId: string,
    patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean },
  ): Promise<ConferenceChange<ParticipantRow>> {
    const found = await this.find(accountId, conferenceId);
    if (!found.ok) return found;
    if (!found.row.changeParticipant(callId, patch)) return this.participantNotFound(conferenceId, callId);
    await found.row.settled();
    const row = await this.deps.store.participants.get(accountId, conferenceId, callId);
    return row ? { ok: true, row } : this.participantNotFound(conferenceId, callId);
  }

  async removeParticipant(
    accountId: string,
    conferenceId: string,
    callId: string,
  ): Promise<ConferenceChange<null>> {
    const found = await this.find(accountId, conferenceId);
    if (!found.ok) return found;
    if (!found.row.leave(callId, "removed")) return this.participantNotFound(conferenceId, callId);
    await found.row.settled();
    return { ok: true, row: null };
  }

  private async find(accountId: string, conferenceId: string): Promise<ConferenceChange<Conference>> {
    const conference = this.get(accountId, conferenceId);
    if (conference) return { ok: true, row: conference };
    const stored = await this.deps.store.conferences.get(accountId, conferenceId);
    if (stored?.status === "terminated")
      return { ok: false, code: "terminated", message: `conference ${conferenceId} has ended` };
    return this.notFound(conferenceId);
  }

  private async row(conference: Conference): Promise<ConferenceRow> {
    await conference.settled();
    const row = await this.deps.store.conferences.get(conference.accountId, conference.id);
    if (!row) throw new BelayError("CONFERENCE_ROW_MISSING", `conference ${conference.id} has no row`);
    return row;
  }

  private notFound(conferenceId: string): { ok: false; code: "notFound"; message: string } {
    return { ok: false, code: "notFound", message: `conference ${conferenceId} does not exist` };
  }

  private participantNotFound(conferenceId: string, callId: string) {
    return {
      ok: false as const,
      code: "notFound" as const,
      message: `call ${callId} is not a participant of conference ${conferenceId}`,
    };
  }
}
