import { Command } from "commander";
import { isBelayError } from "../errors.js";
import { registerAccounts } from "./commands/accounts.js";
import { registerApps } from "./commands/apps.js";
import { registerCall } from "./commands/call.js";
import { registerCalls } from "./commands/calls.js";
import { registerDevices } from "./commands/devices.js";
import { registerNumbers } from "./commands/numbers.js";
import { registerRecordings } from "./commands/recordings.js";
import { registerServe } from "./commands/serve.js";

const program = new Command()
  .name("belay")
  .description("Belay: a self-hostable voice platform that speaks FreeClimb's contract")
  .showHelpAfterError();

registerServe(program);
registerCall(program);
registerRecordings(program);
registerCalls(program);
registerApps(program);
registerNumbers(program);
registerDevices(program);
registerAccounts(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures print one clear line; anything else keeps its stack for a bug report.
  if (isBelayError(err)) process.stderr.write(`belay: ${err.message}\n`);
  else process.stderr.write(`belay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
}

// Every command (serve included) resolves only once its work is done: exit then, even if a
// library left a handle open, after what was written to stdout and stderr has been flushed.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit();

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}
