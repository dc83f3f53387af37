import type { Kysely, Selectable } from "kysely";
import { BelayError } from "../../errors.js";
import type { DeviceRepo, DeviceRow, ListOptions, Page } from "../types.js";
import { decodeInt64, decodeNullableInt64 } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { Database, DevicesTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type DeviceFields = Omit<DeviceRow, "dateCreated" | "dateUpdated" | "revision">;

function dtmfFromJson(text: string): DeviceRow["dtmf"] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value))
    throw new BelayError("STORE_VALUE_INVALID", "a device's dtmf column is not a list");
  return value as DeviceRow["dtmf"];
}

function deviceFromColumns(c: Selectable<DevicesTable>): DeviceRow {
  return {
    accountId: c.account_id,
    phoneNumber: c.phone_number,
    mode: c.mode,
    answerAfterMs: decodeInt64(c.answer_after_ms),
    audioBlobKey: c.audio_blob_key,
    audioSamples: decodeInt64(c.audio_samples),
    audioAtMs: decodeInt64(c.audio_at_ms),
    dtmf: dtmfFromJson(c.dtmf),
    hangupAtMs: decodeNullableInt64(c.hangup_at_ms),
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

export class SqlDeviceRepo implements DeviceRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: DeviceFields): Promise<DeviceRow> {
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("devices")
        .values({
          account_id: row.accountId,
          phone_number: row.phoneNumber,
          mode: row.mode,
          answer_after_ms: row.answerAfterMs,
          audio_blob_key: row.audioBlobKey,
          audio_samples: row.audioSamples,
          audio_at_ms: row.audioAtMs,
          dtmf: JSON.stringify(row.dtmf),
          hangup_at_ms: row.hangupAtMs,
          date_created: now,
          date_updated: now,
          revision: 1,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return deviceFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create device", {
        accountId: row.accountId,
        phoneNumber: row.phoneNumber,
      });
    }
  }

  async get(accountId: string, phoneNumber: string): Promise<DeviceRow | undefined> {
    const row = await this.db
      .selectFrom("devices")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
    return row && deviceFromColumns(row);
  }

  async list(accountId: string, page?: ListOptions): Promise<Page<DeviceRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("devices").where("account_id", "=", accountId);
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(deviceFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    phoneNumber: string,
    patch: Parameters<DeviceRepo["update"]>[2],
  ): Promise<DeviceRow | undefined> {
    const columns = {
      ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
      ...(patch.answerAfterMs !== undefined ? { answer_after_ms: patch.answerAfterMs } : {}),
      ...(patch.audioBlobKey !== undefined ? { audio_blob_key: patch.audioBlobKey } : {}),
      ...(patch.audioSamples !== undefined ? { audio_samples: patch.audioSamples } : {}),
      ...(patch.audioAtMs !== undefined ? { audio_at_ms: patch.audioAtMs } : {}),
      ...(patch.dtmf !== undefined ? { dtmf: JSON.stringify(patch.dtmf) } : {}),
      ...(patch.hangupAtMs !== undefined ? { hangup_at_ms: patch.hangupAtMs } : {}),
    };
    const row = await this.db
      .updateTable("devices")
      .set((eb) => ({ ...columns, date_updated: this.now(), revision: eb("revision", "+", 1) }))
      .where("account_id", "=", accountId)
      .where("phone_number", "=", phoneNumber)
      .returningAll()
      .executeTakeFirst();
    return row && deviceFromColumns(row);
  }

  async delete(accountId: string, phoneNumber: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("devices")
      .where("account_id", "=", accountId)
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
