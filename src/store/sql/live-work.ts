import type { Kysely, Selectable } from "kysely";
import type { LiveCallRow, LiveRecordingRow, LiveWorkRepo } from "../types.js";
import { decodeFlag, decodeInt64, encodeFlag } from "./codec.js";
import type { Database, LiveCallsTable, LiveRecordingsTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";
import type { DurableWrite } from "./sql-store.js";

function callFromColumns(c: Selectable<LiveCallsTable>): LiveCallRow {
  return {
    callId: c.call_id,
    accountId: c.account_id,
    statusCallbackUrl: c.status_callback_url,
    connectUrl: c.connect_url,
    dateCreated: decodeInt64(c.date_created),
  };
}

function recordingFromColumns(c: Selectable<LiveRecordingsTable>): LiveRecordingRow {
  return {
    recordingId: c.recording_id,
    accountId: c.account_id,
    callId: c.call_id,
    blobKey: c.blob_key,
    kind: c.kind,
    conferenceId: c.conference_id,
    actionUrl: c.action_url,
    privacyMode: decodeFlag(c.privacy_mode),
    dateCreated: decodeInt64(c.date_created),
  };
}

/** The live_calls and live_recordings tables (migrations 0003_recovery, 0009_live_recording_kind). */
export class SqlLiveWorkRepo implements LiveWorkRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly durably: DurableWrite,
  ) {}

  async addCall(row: Omit<LiveCallRow, "dateCreated">): Promise<void> {
    try {
      await this.db
        .insertInto("live_calls")
        .values({
          call_id: row.callId,
          account_id: row.accountId,
          status_callback_url: row.statusCallbackUrl,
          connect_url: row.connectUrl,
          date_created: this.now(),
        })
        .execute();
    } catch (err) {
      throw translateWriteError(err, "record live call", { callId: row.callId });
    }
  }

  async removeCall(callId: string): Promise<void> {
    await this.db.deleteFrom("live_calls").where("call_id", "=", callId).execute();
  }

  async listCalls(): Promise<LiveCallRow[]> {
    const rows = await this.db.selectFrom("live_calls").selectAll().orderBy("date_created").execute();
    return rows.map(callFromColumns);
  }

  async addRecording(row: Omit<LiveRecordingRow, "dateCreated">): Promise<void> {
    try {
      await this.durably(this.db, (db) =>
        db
          .insertInto("live_recordings")
          .values({
            recording_id: row.recordingId,
            account_id: row.accountId,
            call_id: row.callId,
            blob_key: row.blobKey,
            kind: row.kind,
            conference_id: row.conferenceId,
            action_url: row.actionUrl,
            privacy_mode: encodeFlag(row.privacyMode),
            date_created: this.now(),
          })
          .execute(),
      );
    } catch (err) {
      throw translateWriteError(err, "record live recording", { recordingId: row.recordingId });
    }
  }

  async removeRecording(recordingId: string): Promise<void> {
    await this.db.deleteFrom("live_recordings").where("recording_id", "=", recordingId).execute();
  }

  async listRecordings(): Promise<LiveRecordingRow[]> {
    const rows = await this.db.selectFrom("live_recordings").selectAll().orderBy("date_created").execute();
    return rows.map(recordingFromColumns);
  }
}
