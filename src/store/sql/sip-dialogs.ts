import type { Kysely, Selectable } from "kysely";
import { BelayError } from "../../errors.js";
import type { SipDialogKey, SipDialogRepo, SipDialogRow } from "../types.js";
import { decodeInt64 } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
import type { Database, SipDialogsTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

function routeSetFromJson(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new BelayError("STORE_VALUE_INVALID", "a SIP dialog's route_set column is not a list of strings");
  return value;
}

function dialogFromColumns(c: Selectable<SipDialogsTable>): SipDialogRow {
  return {
    sipCallId: c.sip_call_id,
    localTag: c.local_tag,
    remoteTag: c.remote_tag,
    localUri: c.local_uri,
    remoteUri: c.remote_uri,
    remoteTarget: c.remote_target,
    routeSet: routeSetFromJson(c.route_set),
    localCseq: decodeInt64(c.local_cseq),
    destinationAddress: c.destination_address,
    destinationPort: c.destination_port,
    callId: c.call_id,
    accountId: c.account_id,
    dateCreated: decodeInt64(c.date_created),
  };
}

/** One insert per answered SIP call and one delete at its end: both compiled once (CompiledShapes). */
export class SqlSipDialogRepo implements SipDialogRepo {
  private readonly writes: CompiledShapes<never>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.writes = new CompiledShapes(db);
  }

  async create(row: Omit<SipDialogRow, "dateCreated">): Promise<void> {
    const columns = {
      sip_call_id: row.sipCallId,
      local_tag: row.localTag,
      remote_tag: row.remoteTag,
      local_uri: row.localUri,
      remote_uri: row.remoteUri,
      remote_target: row.remoteTarget,
      route_set: JSON.stringify(row.routeSet),
      local_cseq: row.localCseq,
      destination_address: row.destinationAddress,
      destination_port: row.destinationPort,
      call_id: row.callId,
      account_id: row.accountId,
      date_created: this.now(),
    };
    try {
      await this.writes.write("create", columns, [], (values) =>
        this.db.insertInto("sip_dialogs").values(values),
      );
    } catch (err) {
      throw translateWriteError(err, "record SIP dialog", { callId: row.callId, sipCallId: row.sipCallId });
    }
  }

  async delete(key: SipDialogKey): Promise<boolean> {
    const { numAffectedRows } = await this.writes.run(
      "delete",
      [key.sipCallId, key.localTag, key.remoteTag],
      ([callId, localTag, remoteTag]) =>
        this.db
          .deleteFrom("sip_dialogs")
          .where("sip_call_id", "=", callId as never)
          .where("local_tag", "=", localTag as never)
          .where("remote_tag", "=", remoteTag as never),
    );
    return Number(numAffectedRows ?? 0) > 0;
  }

  async list(): Promise<SipDialogRow[]> {
    const rows = await this.db.selectFrom("sip_dialogs").selectAll().orderBy("seq").execute();
    return rows.map(dialogFromColumns);
  }
}
