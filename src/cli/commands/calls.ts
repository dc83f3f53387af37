import type { Command } from "commander";
import type { CallList } from "../../contract/rest.js";
import { table } from "../format/table.js";
import { apiFetch } from "../target.js";
import { type TargetFlags, withTargetFlags } from "../target-flags.js";
import { withTarget } from "./recordings.js";

export function registerCalls(program: Command): void {
  const calls = program.command("calls").description("list calls");
  withTargetFlags(calls.command("list").description("list calls, newest first"))
    .option("--json", "print the API's JSON")
    .action((flags: TargetFlags & { json?: boolean }) =>
      withTarget(flags, async (target) => {
        const list = (await (
          await apiFetch(target, `/apiserver/Accounts/${target.accountId}/Calls`)
        ).json()) as CallList;
        if (flags.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        const rows = list.calls.map((c) => [
          c.callId ?? "",
          c.from ?? "",
          c.to ?? "",
          c.status ?? "",
          c.direction ?? "",
          c.startTime ?? "",
        ]);
        process.stdout.write(
          `${table(["CALL", "FROM", "TO", "STATUS", "DIRECTION", "STARTED"], rows)}\n${list.total} call(s)\n`,
        );
      }),
    );
}
