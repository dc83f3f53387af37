import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import { BelayError } from "../../../errors.js";
import type { SqlDialectName } from "../schema.js";
import { initialMigration } from "./0001_initial.js";
import { devicesMigration } from "./0002_devices.js";
import { recoveryMigration } from "./0003_recovery.js";
import { sipDialogsMigration } from "./0004_sip_dialogs.js";
import { deliveryRetentionMigration } from "./0005_delivery_retention.js";
import { accountLabelMigration } from "./0006_account_label.js";
import { callLogsMigration } from "./0007_call_logs.js";
import { conferencesMigration } from "./0008_conferences.js";
import { liveRecordingKindMigration } from "./0009_live_recording_kind.js";
import { queuesMigration } from "./0010_queues.js";

/** Migrations live in code, not in a folder scanned at run time, so bundles and tsx behave alike. */
export function belayMigrations(dialect: SqlDialectName): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        "0001_initial": initialMigration(dialect),
        "0002_devices": devicesMigration(dialect),
        "0003_recovery": recoveryMigration(),
        "0004_sip_dialogs": sipDialogsMigration(dialect),
        "0005_delivery_retention": deliveryRetentionMigration(),
        "0006_account_label": accountLabelMigration(),
        "0007_call_logs": callLogsMigration(dialect),
        "0008_conferences": conferencesMigration(dialect),
        "0009_live_recording_kind": liveRecordingKindMigration(),
        "0010_queues": queuesMigration(dialect),
      };
    },
  };
}

/** Brings the schema up to date; a no-op when it already is. */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: belayMigrations(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error !== undefined) {
    throw new BelayError(
      "STORE_MIGRATION_FAILED",
      `database migration ${failed?.migrationName ?? "setup"} failed: ${error instanceof Error ? error.message : String(error)}`,
      { migration: failed?.migrationName ?? null },
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
