import type { Command } from "commander";
import type { CallList, CallResult } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { collect } from "../audio-file.js";
import { table } from "../format/table.js";
import { apiFetch, type Target } from "../target.js";
import { type TargetFlags, withTarget, withTargetFlags } from "../target-flags.js";

interface ListFlags extends TargetFlags {
  active?: boolean;
  to?: string;
  from?: string;
  status?: string;
  startTime?: string;
  endTime?: string;
  parentCallId?: string;
  app: string[];
  pageSize?: string;
  json?: boolean;
}

interface MakeFlags extends TargetFlags {
  from: string;
  to: string;
  app?: string;
  callConnectUrl?: string;
  timeout?: string;
  sendDigits?: string;
  wait?: boolean;
  json?: boolean;
}

const ACTIVE = new Set(["queued", "ringing", "inProgress"]);
const POLL_MS = 200;

const callsPath = (target: Target) => `/apiserver/Accounts/${target.accountId}/Calls`;
const callPath = (target: Target, callId: string) => `${callsPath(target)}/${encodeURIComponent(callId)}`;

export function registerCalls(program: Command): void {
  const calls = program.command("calls").description("make, list, inspect and hang up calls");

  withTargetFlags(calls.command("list").description("list calls, newest first"))
    .option("--active", "only queued, ringing and inProgress calls")
    .option("--to <e164>", "only calls to this number")
    .option("--from <e164>", "only calls from this number")
    .option("--status <status>", "queued, ringing, inProgress, canceled, completed, failed, busy or noAnswer")
    .option("--start-time <time>", "started at or after 'YYYY-MM-DD hh:mm:ss' (UTC), or FROM..TO")
    .option("--end-time <time>", "ended at or before 'YYYY-MM-DD hh:mm:ss' (UTC), or FROM..TO")
    .option("--parent-call-id <CA…>", "only calls this call created")
    .option("--app <AP…>", "only calls of this application; repeatable", collect, [])
    .option("--page-size <n>", "how many to list", "100")
    .option("--json", "print the API's JSON")
    .action((flags: ListFlags) =>
      withTarget(flags, async (target) => {
        const query = new URLSearchParams();
        if (flags.active) query.set("active", "true");
        for (const [name, value] of [
          ["to", flags.to],
          ["from", flags.from],
          ["status", flags.status],
          ["startTime", flags.startTime],
          ["endTime", flags.endTime],
          ["parentCallId", flags.parentCallId],
          ["pageSize", flags.pageSize],
        ] as const)
          if (value !== undefined) query.set(name, value);
        for (const app of flags.app) query.append("applicationId", app);
        const list = (await (await apiFetch(target, `${callsPath(target)}?${query}`)).json()) as CallList;
        if (flags.json) return print(list);
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

  withTargetFlags(calls.command("get").description("show one call").argument("<callId>"))
    .option("--json", "print the API's JSON")
    .action((callId: string, flags: TargetFlags & { json?: boolean }) =>
      withTarget(flags, async (target) => {
        const result = (await (await apiFetch(target, callPath(target, callId))).json()) as CallResult;
        if (flags.json) return print(result);
        process.stdout.write(describe(result));
      }),
    );

  withTargetFlags(calls.command("make").description("place a call to one of the account's virtual devices"))
    .requiredOption("--from <e164>", "the caller id")
    .requiredOption("--to <e164>", "the number to call (a virtual device: see `belay devices`)")
    .option("--app <AP…>", "the application whose callConnectUrl and statusCallbackUrl handle the call")
    .option("--call-connect-url <url>", "receives outDialApiConnect (replaces the application's)")
    .option("--timeout <seconds>", "how long to let it ring (1-120, default 30)")
    .option("--send-digits <digits>", "keys to send once it answers, {n} pausing n ms")
    .option(
      "--wait",
      "wait until the call ends (always, with an in-process Belay); exit 1 unless it completed",
    )
    .option("--json", "print the API's JSON")
    .action((flags: MakeFlags) =>
      withTarget(flags, async (target) => {
        if (!flags.app && !flags.callConnectUrl)
          throw new BelayError("CLI_USAGE", "give --app or --call-connect-url (or both)");
        const body: Record<string, unknown> = { from: flags.from, to: flags.to };
        if (flags.app) body.applicationId = flags.app;
        if (flags.callConnectUrl) body.callConnectUrl = flags.callConnectUrl;
        if (flags.timeout !== undefined) body.timeout = wholeSeconds(flags.timeout);
        if (flags.sendDigits !== undefined) body.sendDigits = flags.sendDigits;
        const response = await apiFetch(target, callsPath(target), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        let result = (await response.json()) as CallResult;
        if (!flags.json) process.stdout.write(`call ${result.callId} ${result.status}\n`);
        // An in-process Belay hangs up its calls when the command ends: waiting is the only way there.
        if (!(flags.wait || target.kind === "local")) return flags.json ? print(result) : undefined;
        result = await waitForEnd(target, result.callId ?? "");
        if (flags.json) print(result);
        else process.stdout.write(`call ${result.callId} ended ${result.status}\n`);
        if (result.status !== "completed") process.exitCode = 1;
      }),
    );

  withTargetFlags(
    calls
      .command("hangup")
      .description("hang up a live call (cancel it if not answered yet)")
      .argument("<callId>"),
  )
    .option("--json", "print the API's JSON")
    .action((callId: string, flags: TargetFlags & { json?: boolean }) =>
      withTarget(flags, async (target) => {
        const current = (await (await apiFetch(target, callPath(target, callId))).json()) as CallResult;
        const status = current.status === "inProgress" ? "completed" : "canceled";
        const response = await apiFetch(target, callPath(target, callId), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ status }),
        });
        const result = (await response.json()) as CallResult;
        if (flags.json) return print(result);
        process.stdout.write(`call ${result.callId} ${result.status}\n`);
      }),
    );
}

async function waitForEnd(target: Target, callId: string): Promise<CallResult> {
  for (;;) {
    const result = (await (await apiFetch(target, callPath(target, callId))).json()) as CallResult;
    if (!ACTIVE.has(result.status ?? "")) return result;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function wholeSeconds(text: string): number {
  if (!/^\d+$/.test(text))
    throw new BelayError("CLI_USAGE", `--timeout "${text}" must be a whole number of seconds`);
  return Number(text);
}

function describe(c: CallResult): string {
  const lines: Array<[string, unknown]> = [
    ["call", c.callId],
    ["status", c.status],
    ["direction", c.direction],
    ["from", c.from],
    ["to", c.to],
    ["application", c.applicationId],
    ["parent call", c.parentCallId],
    ["started", c.startTime],
    ["connected", c.connectTime],
    ["ended", c.endTime],
    ["duration", c.duration === null ? null : `${c.duration}s`],
  ];
  return `${lines.map(([k, v]) => `${k.padEnd(12)}${v ?? "-"}`).join("\n")}\n`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
