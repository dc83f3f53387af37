import type { Command } from "commander";
import { closeTarget, resolveTarget, type Target, type TargetOptions } from "./target.js";

export interface TargetFlags {
  apiUrl?: string;
  accountId?: string;
  apiKey?: string;
  dataDir?: string;
}

/** The flags every API-talking command shares. */
export function withTargetFlags(command: Command): Command {
  return command
    .option(
      "--api-url <url>",
      "a running Belay (default: BELAY_API_URL, a server on --data-dir, or an in-process one)",
    )
    .option("--account-id <AC…>", "account id (default: BELAY_ACCOUNT_ID)")
    .option("--api-key <key>", "API key (default: BELAY_API_KEY)")
    .option("--data-dir <dir>", "data folder (default: ./.belay)");
}

export function targetOptions(flags: TargetFlags): TargetOptions {
  return {
    ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
    ...(flags.accountId ? { accountId: flags.accountId } : {}),
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  };
}

/** Runs a command's work against the target its flags name, closing an in-process Belay after. */
export async function withTarget<T>(flags: TargetFlags, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await resolveTarget(targetOptions(flags));
  try {
    return await work(target);
  } finally {
    await closeTarget(target);
  }
}
