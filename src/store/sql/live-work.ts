import type { Kysely, Selectable } from "kysely";
import type { LiveCallRow, LiveRecordingRow, LiveWorkRepo } from "../types.js";
import { decodeFlag, decodeInt64, encodeFlag } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
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
  // Every call adds and removes its rows: those writes are compiled once, not built each time.
  private readonly writes: CompiledShapes<never>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly durably: DurableWrite,
  ) {
    this.writes = new CompiledShapes(db);
  }

  async addCall(row: Omit<LiveCallRow, "dateCreated">): Promise<void> {
    const columns = {
      call_id: row.callId,
      account_id: row.accountId,
      status_callback_url: row.statusCallbackUrl,
      connect_url: row.connectUrl,
      date_created: this.now(),
    };
    try {
      await this.writes.write("add call", columns, [], (values) =>
        this.db.insertInto("live_calls").values(values),
      );
    } catch (err) {
      throw translateWriteError(err, "record live call", { callId: row.callId });
    }
  }

  async removeCall(callId: string): Promise<void> {
    await this.writes.run("remove call", [callId], ([id]) =>
      this.db.deleteFrom("live_calls").where("call_id", "=", id as never),
    );
  }

  async listCalls(): Promise<LiveCallRow[]> {
    const rows = await this.db.selectFrom("live_calls").selectAll().orderBy("date_created").execute();
    return rows.map(callFromColumns);
  }

  async addRecording(row: Omit<LiveRecordingRow, "dateCreated">): Promise<void> {
    try {
      const columns = {
        recording_id: row.recordingId,
        account_id: row.accountId,
        call_id: row.callId,
        blob_key: row.blobKey,
        kind: row.kind,
        conference_id: row.conferenceId,
        action_url: row.actionUrl,
        privacy_mode: encodeFlag(row.privacyMode),
        date_created: this.now(),
      };
      await this.durably(this.db, (db) =>
        this.writes.write("add recording", columns, [], (values) =>
          db.insertInto("live_recordings").values(values),
        ),
      );
    } catch (err) {
      throw translateWriteError(err, "record live recording", { recordingId: row.recordingId });
    }
  }

  async removeRecording(recordingId: string): Promise<void> {
    await this.writes.run("remove recording", [recordingId], ([id]) =>
      this.db.deleteFrom("live_recordings").where("recording_id", "=", id as never),
    );
  }

  async listRecordings(): Promise<LiveRecordingRow[]> {
    const rows = await this.db.selectFrom("live_recordings").selectAll().orderBy("date_created").execute();
    return rows.map(recordingFromColumns);
  }
}
