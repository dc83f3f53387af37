import type { Command } from "commander";
import type { IncomingNumberList, IncomingNumberResult } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { json, record } from "../format/record.js";
import { table } from "../format/table.js";
import { type TargetFlags, withTarget, withTargetFlags } from "../target-flags.js";
import { accountPath, deleteResource, getJson, postJson, query, segment } from "./rest-client.js";

type Output = { json?: boolean };
/** `--app AP…` routes to an application; `--no-app` (false) detaches. */
type NumberFlags = TargetFlags & Output & { app?: string | false; alias?: string };

function print(number: IncomingNumberResult, flags: Output): void {
  process.stdout.write(flags.json ? json(number) : `${record(number)}\n`);
}

export function registerNumbers(program: Command): void {
  const numbers = program
    .command("numbers")
    .description("incoming phone numbers and the application each calls");
  const path = (id?: string) =>
    id === undefined ? "/IncomingPhoneNumbers" : `/IncomingPhoneNumbers/${segment(id)}`;

  withTargetFlags(numbers.command("list").description("list the account's numbers, newest first"))
    .option("--phone-number <number|regex>", "an E.164 number, or a regular expression the number matches")
    .option("--alias <alias>", "only numbers with exactly this alias")
    .option("--app <AP…>", "only numbers routed to this application")
    .option("--has-app", "only numbers routed to an application")
    .option("--no-has-app", "only numbers with no application")
    .option("--json", "print the API's JSON")
    .action(
      (
        flags: TargetFlags &
          Output & { phoneNumber?: string; alias?: string; app?: string; hasApp?: boolean },
      ) =>
        withTarget(flags, async (target) => {
          const filters = query({
            phoneNumber: flags.phoneNumber,
            alias: flags.alias,
            applicationId: flags.app,
            hasApplication: flags.hasApp === undefined ? undefined : String(flags.hasApp),
            pageSize: "1000",
          });
          const list = await getJson<IncomingNumberList>(target, accountPath(target, `${path()}${filters}`));
          if (flags.json) return void process.stdout.write(json(list));
          const rows = list.incomingPhoneNumbers.map((n) => [
            n.phoneNumberId ?? "",
            n.phoneNumber ?? "",
            n.alias ?? "",
            n.applicationId ?? "-",
          ]);
          const shown = list.total !== rows.length ? ` (first ${rows.length} shown)` : "";
          process.stdout.write(
            `${table(["NUMBER ID", "PHONE NUMBER", "ALIAS", "APPLICATION"], rows)}\n${list.total} number(s)${shown}\n`,
          );
        }),
    );

  withTargetFlags(numbers.command("get").description("show a number").argument("<phoneNumberId>"))
    .option("--json", "print the API's JSON")
    .action((id: string, flags: NumberFlags) =>
      withTarget(flags, async (target) => print(await getJson(target, accountPath(target, path(id))), flags)),
    );

  withTargetFlags(
    numbers
      .command("add")
      .description("add a number to the account (refused if it is already in Belay)")
      .argument("<phoneNumber>", "E.164, e.g. +15550002222"),
  )
    .option("--app <AP…>", "the application its calls go to")
    .option("--alias <alias>", "a description, up to 64 characters")
    .option("--json", "print the API's JSON")
    .action((phoneNumber: string, flags: NumberFlags) =>
      withTarget(flags, async (target) => {
        const body = {
          phoneNumber,
          ...(typeof flags.app === "string" ? { applicationId: flags.app } : {}),
          ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
        };
        print(await postJson(target, accountPath(target, path()), body), flags);
      }),
    );

  withTargetFlags(
    numbers
      .command("update")
      .description("route a number to an application, or rename it")
      .argument("<phoneNumberId>"),
  )
    .option("--app <AP…>", "the application its calls go to")
    .option("--no-app", "detach it from its application")
    .option("--alias <alias>", "a description, up to 64 characters")
    .option("--json", "print the API's JSON")
    .action((id: string, flags: NumberFlags) =>
      withTarget(flags, async (target) => {
        const body = {
          ...(flags.app !== undefined ? { applicationId: flags.app === false ? null : flags.app } : {}),
          ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
        };
        if (Object.keys(body).length === 0)
          throw new BelayError("CLI_USAGE", "nothing to update: give --app, --no-app or --alias");
        print(await postJson(target, accountPath(target, path(id)), body), flags);
      }),
    );

  withTargetFlags(
    numbers.command("release").description("remove a number from the account").argument("<phoneNumberId>"),
  ).action((id: string, flags: TargetFlags) =>
    withTarget(flags, async (target) => {
      await deleteResource(target, accountPath(target, path(id)));
      process.stdout.write(`released ${id}\n`);
    }),
  );
}
