import { DEFAULTS } from "../../contract/defaults.js";
import type { Timer } from "../../time/clock.js";
import type { CommandContext, CommandResult } from "../context.js";
import { continueWith } from "./continue-with.js";
import { pause } from "./pause.js";
import { play } from "./play.js";
import { say } from "./say.js";
import type { AttrsOf, CommandHandler } from "./types.js";
import { withDefaults } from "./with-defaults.js";

type GetDigitsReason = "finishKey" | "timeout" | "maxDigits";

/**
 * Plays the prompts (a key press stops them), then collects keys until the finish key, maxDigits,
 * or a timeout: initialTimeoutMs before the first key, digitTimeoutMs between keys.
 */
export const getDigits: CommandHandler<"GetDigits"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  const options = withDefaults(DEFAULTS.getDigits, attrs);
  const collected = await collect(options, attrs, ctx, signal);
  if (!collected) return { kind: "end", reason: "farEndHangup" };
  const privacyMode = attrs.privacyMode === true;
  ctx.emit({ type: "getDigits", digits: privacyMode ? null : collected.digits, reason: collected.reason });
  const body = ctx.webhookBody("getDigits", { digits: collected.digits, reason: collected.reason });
  // privacyMode (PCI): the digits go to the app and nowhere else (docs/privacy.md).
  return continueWith(ctx, attrs.actionUrl, body, privacyMode ? ["digits"] : undefined);
};

async function collect(
  options: typeof DEFAULTS.getDigits & AttrsOf<"GetDigits">,
  attrs: AttrsOf<"GetDigits">,
  ctx: CommandContext,
  signal: AbortSignal,
): Promise<{ digits: string; reason: GetDigitsReason } | undefined> {
  const prompting = new AbortController();
  const stopPrompts = () => prompting.abort();
  signal.addEventListener("abort", stopPrompts, { once: true });
  let digits = "";
  let timer: Timer | undefined;
  let finish!: (result: { digits: string; reason: GetDigitsReason } | undefined) => void;
  const done = new Promise<{ digits: string; reason: GetDigitsReason } | undefined>((resolve) => {
    finish = resolve;
  });
  let finished = false;
  const end = (reason: GetDigitsReason) => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    finish({ digits, reason });
  };
  const arm = (ms: number) => {
    timer?.cancel();
    timer = ctx.clock.setTimeout(() => end("timeout"), ms);
  };
  const finishKey: string = options.finishOnKey ?? "";
  const press = (key: string) => {
    if (finished) return;
    stopPrompts();
    if (finishKey !== "" && key === finishKey) return end("finishKey");
    digits += key;
    if (digits.length >= options.maxDigits) return end("maxDigits");
    arm(options.digitTimeoutMs);
  };

  const listening = { privacyMode: attrs.privacyMode === true };
  const buffered = ctx.media.takeBufferedDigits(listening);
  const unsubscribe = ctx.media.onDigit(press, listening);
  const onHangup = () => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    finish(undefined);
  };
  signal.addEventListener("abort", onHangup, { once: true });
  try {
    if (!options.flushBuffer) for (const key of buffered) press(key);
    if (!finished && !prompting.signal.aborted) await playPrompts(attrs, ctx, prompting.signal);
    if (!finished && signal.aborted) onHangup();
    if (!finished && timer === undefined) arm(options.initialTimeoutMs);
    return await done;
  } finally {
    unsubscribe();
    timer?.cancel();
    signal.removeEventListener("abort", stopPrompts);
    signal.removeEventListener("abort", onHangup);
  }
}

async function playPrompts(
  attrs: AttrsOf<"GetDigits">,
  ctx: CommandContext,
  signal: AbortSignal,
): Promise<void> {
  for (const prompt of attrs.prompts ?? []) {
    if (signal.aborted) return;
    let result: CommandResult;
    if (prompt.name === "Say") result = await say(prompt.attrs, ctx, signal);
    else if (prompt.name === "Play") result = await play(prompt.attrs, ctx, signal);
    else result = await pause(prompt.attrs, ctx, signal);
    if (result.kind !== "next") return;
  }
}
