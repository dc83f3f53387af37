import type { Logger } from "pino";
import type { RecordTracks } from "../../contract/percl/index.js";
import type {
  ConferenceRecordingStatusWebhook,
  ConferenceStatus,
  ConferenceStatusWebhook,
} from "../../contract/webhooks.js";
import { FRAME_SAMPLES } from "../../media/frame.js";
import { entryBeep, exitBeep } from "../../media/tones.js";
import type { BlobStore } from "../../store/blob-store.js";
import type { PlayBeep, Store } from "../../store/types.js";
import type { Clock, Timer } from "../../time/clock.js";
import type { AudioService } from "../audio-service.js";
import type { AppClient, WebhookBody } from "../ports.js";
import { Recorder, type RecordingFields, type RecordingSink, recordingFields } from "../recorder.js";
import { Mixer, type MixerSeat } from "./mixer.js";
import { type LeaveReason, Participant, type ParticipantCall, type ParticipantFlags } from "./participant.js";
import { LoopedAudio } from "./wait-audio.js";

export interface ConferenceDeps {
  store: Store;
  blobs: BlobStore;
  app: AppClient<unknown>;
  audio: AudioService;
  clock: Clock;
  logger: Logger;
  readonly publicUrl: string;
}

export interface ConferenceSettings {
  accountId: string;
  alias: string | null;
  playBeep: PlayBeep;
  record: boolean;
  waitUrl: string | null;
  statusCallbackUrl: string | null;
  actionUrl: string | null;
  /** The call that ran CreateConference; null for POST /Conferences. */
  callId: string | null;
  /** Belay extension: "separate" records each participant's voice as its own track too. */
  tracks?: RecordTracks;
}

/** An empty conference nobody joins ends after this (docs/conferences.md). */
export const CONFERENCE_IDLE_MS = 5 * 60 * 1000;

/**
 * A live conference: its participants, its mixer on the clock they share, its status
 * (empty → populated → inProgress → terminated) and its recording. Status changes, rows and
 * webhooks go out one at a time in the order they happened.
 */
export class Conference {
  readonly mixer: Mixer;
  private current: ConferenceStatus = "empty";
  private settings: ConferenceSettings;
  private readonly participants = new Map<string, Participant>();
  private work: Promise<void> = Promise.resolve();
  private recording: ConferenceRecording | undefined;
  private idle: Timer | undefined;
  /** REST settings changed in memory, not yet stored (see configure). */
  private unsaved: { alias?: string; playBeep?: PlayBeep } = {};
  private readonly log: Logger;
  readonly ended: Promise<void>;
  private markEnded!: () => void;

  private constructor(
    private readonly deps: ConferenceDeps,
    readonly id: string,
    settings: ConferenceSettings,
  ) {
    this.settings = { ...settings };
    this.mixer = new Mixer(deps.clock);
    this.log = deps.logger.child({ conferenceId: id });
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  /** Stores the conference (status empty) and fetches its wait audio once, as FreeClimb does. */
  static async create(
    deps: ConferenceDeps,
    conferenceId: string,
    settings: ConferenceSettings,
  ): Promise<Conference> {
    const conference = new Conference(deps, conferenceId, settings);
    await deps.clock.track(deps.store.conferences.create({ conferenceId, ...settings, status: "empty" }));
    await conference.loadWaitAudio();
    conference.armIdle();
    return conference;
  }

  get accountId(): string {
    return this.settings.accountId;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get status(): ConferenceStatus {
    return this.current;
  }

  get size(): number {
    return this.participants.size;
  }

  participant(callId: string): Participant | undefined {
    return this.participants.get(callId);
  }

  /** Resolves once every change so far is stored and its webhooks are queued. */
  settled(): Promise<void> {
    return this.work;
  }

  /**
   * Seats a call: it hears the wait audio until someone who starts the conference is in, then
   * everyone else. undefined when the conference has ended.
   */
  join(call: ParticipantCall, flags: ParticipantFlags): Participant | undefined {
    if (this.current === "terminated") return undefined;
    this.idle?.cancel();
    const participant = new Participant(call, this.mixer.seat(), flags);
    this.participants.set(call.callId, participant);
    const row = { accountId: this.accountId, conferenceId: this.id, callId: call.callId, ...flags };
    this.enqueue(() => this.deps.store.participants.create(row).then(() => undefined));
    if (this.current === "empty") this.setStatus("populated", call);
    if (flags.startConfOnEnter && this.current !== "inProgress") this.start(call);
    if (this.settings.playBeep === "always" || this.settings.playBeep === "entryOnly")
      this.mixer.announce(entryBeep());
    this.mixer.start();
    return participant;
  }

  /**
   * Lets a participant go. The last one to leave ends the conference, unless it was emptied on
   * purpose (REST status "empty"): that one waits for new participants.
   */
  leave(callId: string, reason: LeaveReason): boolean {
    const participant = this.participants.get(callId);
    if (!participant) return false;
    this.participants.delete(callId);
    this.mixer.unseat(participant.seat);
    participant.markLeft(reason);
    this.enqueue(() =>
      this.deps.store.participants.delete(this.accountId, this.id, callId).then(() => undefined),
    );
    if (this.current === "terminated") return true;
    if (this.participants.size > 0) {
      if (this.settings.playBeep === "always" || this.settings.playBeep === "exitOnly")
        this.mixer.announce(exitBeep());
      return true;
    }
    if (reason === "emptied") {
      this.mixer.stop();
      // Only the REST API empties a conference: no call caused it (docs/conferences.md).
      this.setStatus("empty");
      this.armIdle();
    } else {
      this.terminate(participant.call);
    }
    return true;
  }

  /** Every participant leaves (they hear nothing more); the conference stays, empty. */
  empty(): void {
    for (const callId of [...this.participants.keys()]) this.leave(callId, "emptied");
  }

  /** Ends the conference: participants leave, the recording is stored and announced. */
  terminate(cause?: ParticipantCall): void {
    if (this.current === "terminated") return;
    this.idle?.cancel();
    this.setStatus("terminated", cause);
    for (const callId of [...this.participants.keys()]) this.leave(callId, "terminated");
    this.mixer.stop();
    const recording = this.recording;
    this.recording = undefined;
    if (recording) this.enqueue(() => this.announceRecording(recording, cause));
    this.enqueue(async () => {
      await this.deps.store.participants.deleteAll(this.accountId, this.id);
    });
    void this.work.then(() => this.markEnded());
  }

  /** Keys pressed by one participant, heard by the others that listen (dtmfPassThrough). */
  passDigits(from: Participant, digits: string): void {
    if (!from.flags.dtmfPassThrough) return;
    for (const other of this.participants.values()) {
      if (other !== from && other.flags.listen) other.call.sendDigits(digits);
    }
  }

  /** New privileges for a participant (SetTalk, SetListen, SetDTMFPassThrough, REST); stored in order. */
  changeParticipant(
    callId: string,
    patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean },
  ): Participant | undefined {
    const participant = this.participants.get(callId);
    if (!participant) return undefined;
    if (patch.talk !== undefined) participant.setTalk(patch.talk);
    if (patch.listen !== undefined) participant.setListen(patch.listen);
    if (patch.dtmfPassThrough !== undefined) participant.setDtmfPassThrough(patch.dtmfPassThrough);
    this.enqueue(async () => {
      await this.deps.store.participants.update(this.accountId, this.id, callId, patch);
    });
    return participant;
  }

  /**
   * REST: a new alias or beep setting, in effect at once. It is stored with the next status change
   * this same request makes (one update, one revision), or by `storeSettings`.
   */
  configure(patch: { alias?: string; playBeep?: PlayBeep }): void {
    if (patch.alias !== undefined) this.settings.alias = patch.alias;
    if (patch.playBeep !== undefined) this.settings.playBeep = patch.playBeep;
    this.unsaved = { ...this.unsaved, ...patch };
  }

  /** Stores what `configure` changed and no status change has stored yet. */
  storeSettings(): void {
    const patch = this.takeUnsaved();
    if (Object.keys(patch).length === 0) return;
    this.enqueue(async () => {
      await this.deps.store.conferences.update(this.accountId, this.id, patch);
    });
  }

  private start(cause: ParticipantCall): void {
    this.mixer.setBridged(true);
    this.setStatus("inProgress", cause);
    if (this.settings.record && !this.recording) this.recording = this.startRecording(cause.callId);
  }

  private setStatus(status: ConferenceStatus, cause?: ParticipantCall): void {
    this.current = status;
    const body = this.eventBody("conferenceStatus", cause);
    const patch = { ...this.takeUnsaved(), status };
    this.enqueue(async () => {
      await this.deps.store.conferences.update(this.accountId, this.id, patch);
      await this.notify(body);
    });
  }

  private takeUnsaved(): { alias?: string; playBeep?: PlayBeep } {
    const patch = this.unsaved;
    this.unsaved = {};
    return patch;
  }

  /** A conference webhook: the fields of the call that caused it, if one did (docs/conferences.md). */
  private eventBody(requestType: "conferenceStatus", cause?: ParticipantCall): ConferenceStatusWebhook;
  private eventBody(
    requestType: "conferenceRecordingStatus",
    cause: ParticipantCall | undefined,
    recording: RecordingFields,
  ): ConferenceRecordingStatusWebhook;
  private eventBody(
    requestType: "conferenceStatus" | "conferenceRecordingStatus",
    cause?: ParticipantCall,
    recording?: RecordingFields,
  ): ConferenceStatusWebhook | ConferenceRecordingStatusWebhook {
    const { conferenceId: _own, ...callFields } = cause?.fields() ?? {};
    const event = { ...callFields, accountId: this.accountId, conferenceId: this.id, status: this.current };
    return requestType === "conferenceRecordingStatus" && recording
      ? { ...event, requestType, ...recording }
      : { ...event, requestType: "conferenceStatus" };
  }

  /**
   * Its notifications are filed under the conference's id, not a call's: the outbox delivers those
   * of one id in order, so the app sees populated before inProgress before terminated.
   */
  private async notify(body: WebhookBody): Promise<void> {
    const url = this.settings.statusCallbackUrl;
    if (!url) return;
    await this.deps.app.notify({ accountId: this.accountId, callId: this.id, url, body });
  }

  /** Serialises stored changes and webhooks; a failure is logged and the chain goes on. */
  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(() =>
      this.deps.clock.track(step()).catch((err: unknown) => {
        this.log.error({ err }, "a conference change could not be stored or announced");
      }),
    );
  }

  private armIdle(): void {
    this.idle?.cancel();
    this.idle = this.deps.clock.setTimeout(() => {
      if (this.participants.size === 0) {
        this.log.info("the conference stayed empty: it ends");
        this.terminate();
      }
    }, CONFERENCE_IDLE_MS);
  }

  private async loadWaitAudio(): Promise<void> {
    const { waitUrl } = this.settings;
    if (!waitUrl) return;
    try {
      const pcm = await this.deps.clock.track(this.deps.audio.load(waitUrl, this.accountId));
      this.mixer.setWaitAudio(new LoopedAudio(pcm));
    } catch (err) {
      // Participants then wait in silence: the conference itself still works.
      this.log.warn({ err, waitUrl }, `the conference's waitUrl could not be loaded: ${String(err)}`);
    }
  }

  /** The mix is filed under the creating call (or the first to join); a track under its own call. */
  private startRecording(callId: string): ConferenceRecording {
    const filedUnder = this.settings.callId ?? callId;
    const recorder = (track: string | null) =>
      new Recorder(this.deps, this.accountId, track ?? filedUnder, this.id);
    const participantOf =
      this.settings.tracks === "separate"
        ? (seat: MixerSeat) => [...this.participants.values()].find((p) => p.seat === seat)?.callId
        : undefined;
    return new ConferenceRecording(this.mixer, recorder, this.log, participantOf);
  }

  private async announceRecording(recording: ConferenceRecording, cause?: ParticipantCall): Promise<void> {
    const row = await recording.finish();
    if (!row) return;
    const body = this.eventBody(
      "conferenceRecordingStatus",
      cause,
      recordingFields(row, this.deps.publicUrl),
    );
    await this.notify(body);
  }
}

/**
 * A recording fed one frame per mixer tick. Frames that come while its file is being opened wait
 * in memory, so none is lost.
 */
class TickRecording {
  private sink: RecordingSink | undefined;
  private pending: Int16Array[] = [];
  private readonly opening: Promise<RecordingSink | undefined>;

  constructor(recorder: Recorder, log: Logger, what: string) {
    this.opening = recorder.open({ kind: "conference" }).then(
      (sink) => {
        for (const frame of this.pending) sink.append(frame);
        this.pending = [];
        this.sink = sink;
        return sink;
      },
      (err: unknown) => {
        log.error({ err }, `${what} could not be started`);
        this.pending = [];
        return undefined;
      },
    );
  }

  /** True when it ran to the end synchronously (no chunk went to the file). */
  append(frame: Int16Array): boolean {
    if (this.sink) return !this.sink.append(frame);
    this.pending.push(frame.slice());
    return true;
  }

  async finish() {
    const sink = await this.opening;
    return sink?.finish(false);
  }
}

/**
 * The conference's mix, from the moment it starts to its end, into an ordinary Recording. With
 * tracks "separate" (a Belay extension) each participant's voice is a Recording of its own too,
 * filed under its call and padded with silence from the mix's start, so every track lines up
 * with the mix sample for sample; a track is stored when its participant leaves.
 */
class ConferenceRecording {
  private readonly mix: TickRecording;
  private readonly stopTap: () => void;
  private readonly tracks = new Map<MixerSeat, { recording: TickRecording; callId: string }>();
  private readonly finishedTracks: Array<Promise<unknown>> = [];
  private ticks = 0;

  constructor(
    mixer: Mixer,
    private readonly newRecorder: (callId: string | null) => Recorder,
    private readonly log: Logger,
    private readonly participantOf: ((seat: MixerSeat) => string | undefined) | undefined,
  ) {
    this.mix = new TickRecording(newRecorder(null), log, "the conference recording");
    this.stopTap = mixer.onMix((mix, seats) => {
      let synchronous = this.mix.append(mix);
      if (this.participantOf) synchronous = this.recordTracks(seats, this.participantOf) && synchronous;
      this.ticks++;
      return synchronous;
    });
  }

  private recordTracks(seats: readonly MixerSeat[], participantOf: (seat: MixerSeat) => string | undefined) {
    let synchronous = true;
    for (const seat of seats) {
      let track = this.tracks.get(seat);
      if (!track) {
        const callId = participantOf(seat);
        if (!callId) continue;
        const recording = new TickRecording(this.newRecorder(callId), this.log, "a participant's track");
        for (let i = 0; i < this.ticks; i++) recording.append(SILENT_FRAME);
        track = { recording, callId };
        this.tracks.set(seat, track);
      }
      synchronous = track.recording.append(seat.current ?? SILENT_FRAME) && synchronous;
    }
    for (const [seat, track] of this.tracks) {
      if (seats.includes(seat)) continue;
      this.tracks.delete(seat);
      this.finishedTracks.push(track.recording.finish());
    }
    return synchronous;
  }

  /** Stores every track, then the mix: when the mix is announced, the tracks are listed already. */
  async finish() {
    this.stopTap();
    for (const track of this.tracks.values()) this.finishedTracks.push(track.recording.finish());
    this.tracks.clear();
    await Promise.allSettled(this.finishedTracks);
    return this.mix.finish();
  }
}

const SILENT_FRAME = new Int16Array(FRAME_SAMPLES);
