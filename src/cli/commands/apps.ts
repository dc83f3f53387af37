import type { Command } from "commander";
import type { ApplicationList, ApplicationResult } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { json, record } from "../format/record.js";
import { table } from "../format/table.js";
import { type TargetFlags, withTarget, withTargetFlags } from "../target-flags.js";
import { accountPath, deleteResource, getJson, postJson, query, segment } from "./rest-client.js";

/** The application fields the flags set; `""` clears one (null). */
const FIELD_FLAGS = [
  ["--alias <alias>", "alias", "a description, up to 64 characters"],
  ["--voice-url <url>", "voiceUrl", "requested when a call comes in to the application's numbers"],
  ["--voice-fallback-url <url>", "voiceFallbackUrl", "requested when voiceUrl fails"],
  ["--call-connect-url <url>", "callConnectUrl", "requested when an outbound call connects"],
  ["--status-callback-url <url>", "statusCallbackUrl", "told when a call ends"],
  ["--sms-url <url>", "smsUrl", "kept for FreeClimb apps; Belay carries no SMS"],
  ["--sms-fallback-url <url>", "smsFallbackUrl", "kept for FreeClimb apps; Belay carries no SMS"],
] as const;

type FieldName = (typeof FIELD_FLAGS)[number][1];
type AppFlags = TargetFlags & { json?: boolean } & Partial<Record<FieldName, string>>;

function withFieldFlags(command: Command): Command {
  for (const [flag, , description] of FIELD_FLAGS) command.option(flag, `${description} ("" clears it)`);
  return command;
}

function bodyOf(flags: AppFlags): Partial<Record<FieldName, string | null>> {
  const body: Partial<Record<FieldName, string | null>> = {};
  for (const [, field] of FIELD_FLAGS) {
    const value = flags[field];
    if (value !== undefined) body[field] = value === "" ? null : value;
  }
  return body;
}

function print(app: ApplicationResult, flags: { json?: boolean }): void {
  process.stdout.write(flags.json ? json(app) : `${record(app)}\n`);
}

export function registerApps(program: Command): void {
  const apps = program.command("apps").description("applications: the URLs a number's calls go to");
  const path = (id?: string) => (id === undefined ? "/Applications" : `/Applications/${segment(id)}`);

  withTargetFlags(apps.command("list").description("list applications, newest first"))
    .option("--alias <alias>", "only applications with exactly this alias")
    .option("--json", "print the API's JSON")
    .action((flags: TargetFlags & { alias?: string; json?: boolean }) =>
      withTarget(flags, async (target) => {
        const list = await getJson<ApplicationList>(
          target,
          accountPath(target, `${path()}${query({ alias: flags.alias, pageSize: "1000" })}`),
        );
        if (flags.json) return void process.stdout.write(json(list));
        const rows = list.applications.map((a) => [
          a.applicationId ?? "",
          a.alias ?? "",
          a.voiceUrl ?? "",
          a.dateCreated,
        ]);
        const shown =
          list.total !== list.applications.length ? ` (first ${list.applications.length} shown)` : "";
        process.stdout.write(
          `${table(["APPLICATION", "ALIAS", "VOICE URL", "CREATED"], rows)}\n${list.total} application(s)${shown}\n`,
        );
      }),
    );

  withTargetFlags(apps.command("get").description("show an application").argument("<applicationId>"))
    .option("--json", "print the API's JSON")
    .action((id: string, flags: AppFlags) =>
      withTarget(flags, async (target) => print(await getJson(target, accountPath(target, path(id))), flags)),
    );

  withTargetFlags(withFieldFlags(apps.command("create").description("create an application")))
    .option("--json", "print the API's JSON")
    .action((flags: AppFlags) =>
      withTarget(flags, async (target) =>
        print(await postJson(target, accountPath(target, path()), bodyOf(flags)), flags),
      ),
    );

  withTargetFlags(
    withFieldFlags(
      apps.command("update").description("change an application's fields").argument("<applicationId>"),
    ),
  )
    .option("--json", "print the API's JSON")
    .action((id: string, flags: AppFlags) =>
      withTarget(flags, async (target) => {
        const body = bodyOf(flags);
        if (Object.keys(body).length === 0)
          throw new BelayError("CLI_USAGE", "nothing to update: give --alias or a --…-url flag");
        print(await postJson(target, accountPath(target, path(id)), body), flags);
      }),
    );

  withTargetFlags(
    apps
      .command("delete")
      .description("delete an application; its numbers stay, with no application")
      .argument("<applicationId>"),
  ).action((id: string, flags: TargetFlags) =>
    withTarget(flags, async (target) => {
      await deleteResource(target, accountPath(target, path(id)));
      process.stdout.write(`deleted ${id}\n`);
    }),
  );
}
