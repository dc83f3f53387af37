import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { BelayError } from "../../errors.js";
import type { WebhookDeliveryRepo, WebhookDeliveryRow } from "../types.js";
import { decodeFlag, decodeInt64, decodeNullableInt64, encodeFlag, insertedRow } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
import type { Database, WebhookDeliveriesTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type DeliveryFields = Omit<WebhookDeliveryRow, "dateCreated" | "dateUpdated">;
type NewDelivery = Omit<DeliveryFields, "redacted"> & { redacted?: boolean };
type DeliveryPatch = Partial<Omit<WebhookDeliveryRow, "deliveryId" | "dateCreated">>;

function deliveryFromColumns(c: Selectable<WebhookDeliveriesTable>): WebhookDeliveryRow {
  return {
    deliveryId: c.delivery_id,
    accountId: c.account_id,
    callId: c.call_id,
    requestType: c.request_type,
    url: c.url,
    body: c.body,
    redacted: decodeFlag(c.redacted),
    durable: decodeFlag(c.durable),
    state: c.state,
    attempts: c.attempts,
    nextAttemptAt: decodeNullableInt64(c.next_attempt_at),
    lastStatus: c.last_status,
    lastError: c.last_error,
    latencyMs: c.latency_ms,
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
  };
}

/** Maps the fields present; absent (undefined) fields stay absent, so a patch touches only them. */
function deliveryToColumns(
  r: DeliveryFields,
): Omit<Insertable<WebhookDeliveriesTable>, "date_created" | "date_updated">;
function deliveryToColumns(r: Partial<DeliveryFields>): Updateable<WebhookDeliveriesTable>;
function deliveryToColumns(r: Partial<DeliveryFields>): Updateable<WebhookDeliveriesTable> {
  return {
    delivery_id: r.deliveryId,
    account_id: r.accountId,
    call_id: r.callId,
    request_type: r.requestType,
    url: r.url,
    body: r.body,
    redacted: encodeFlag(r.redacted),
    durable: encodeFlag(r.durable),
    state: r.state,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt,
    last_status: r.lastStatus,
    last_error: r.lastError,
    latency_ms: r.latencyMs,
  };
}

export class SqlWebhookDeliveryRepo implements WebhookDeliveryRepo {
  private readonly writes: CompiledShapes<never>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.writes = new CompiledShapes(db);
  }

  async create(fields: NewDelivery): Promise<WebhookDeliveryRow> {
    const row: DeliveryFields = { ...fields, redacted: fields.redacted ?? false };
    const now = this.now();
    const columns = { ...deliveryToColumns(row), date_created: now, date_updated: now };
    try {
      const { insertId } = await this.writes.write("create", columns, [], (values) =>
        this.db.insertInto("webhook_deliveries").values(values),
      );
      return deliveryFromColumns(insertedRow(columns, insertId));
    } catch (err) {
      throw translateWriteError(err, "create webhook delivery", { deliveryId: row.deliveryId });
    }
  }

  /**
   * Sets dateUpdated to now (a dateUpdated in the patch is ignored). An accountId in the patch must
   * be the delivery's own. Throws STORE_NOT_FOUND when no such delivery exists.
   */
  async update(deliveryId: string, patch: DeliveryPatch): Promise<void> {
    const { accountId, dateUpdated: _ignored, ...changes } = patch;
    const columns: Updateable<WebhookDeliveriesTable> = {
      ...deliveryToColumns(changes),
      date_updated: this.now(),
    };
    const byAccount = accountId !== undefined;
    const kind = byAccount ? "update by account" : "update";
    const result = await this.writes.write(
      kind,
      columns,
      [deliveryId, accountId],
      (values, [id, account]) => {
        const query = this.db
          .updateTable("webhook_deliveries")
          .set(values)
          .where("delivery_id", "=", id as never);
        return byAccount ? query.where("account_id", "=", account as never) : query;
      },
    );
    if (result.numAffectedRows === 0n) {
      throw new BelayError("STORE_NOT_FOUND", `webhook delivery ${deliveryId} does not exist`, {
        deliveryId,
        accountId: accountId ?? null,
      });
    }
  }

  async get(deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
    const row = await this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("delivery_id", "=", deliveryId)
      .executeTakeFirst();
    return row && deliveryFromColumns(row);
  }

  /** Across all accounts: the outbox worker's queue, earliest due first. */
  async listDue(now: number, limit: number): Promise<WebhookDeliveryRow[]> {
    const rows = await this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("durable", "=", encodeFlag(true))
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at", "asc")
      .orderBy("seq", "asc")
      .limit(limit)
      .execute();
    return rows.map(deliveryFromColumns);
  }

  /** A call's deliveries in the order they were made, oldest first. */
  async listByCall(callId: string): Promise<WebhookDeliveryRow[]> {
    const rows = await this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("call_id", "=", callId)
      .orderBy("seq", "asc")
      .execute();
    return rows.map(deliveryFromColumns);
  }

  async deleteSettledBefore(before: number, limit: number): Promise<number> {
    // A bounded batch by key: SQLite has no DELETE … LIMIT by default, and short deletes keep the
    // write lock brief for calls running meanwhile.
    const result = await this.db
      .deleteFrom("webhook_deliveries")
      .where("seq", "in", (eb) =>
        eb
          .selectFrom("webhook_deliveries")
          .select("seq")
          .where("state", "in", ["delivered", "failed"])
          .where("date_updated", "<", before)
          .orderBy("date_updated", "asc")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
