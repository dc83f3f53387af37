import { DEFAULTS } from "../../contract/defaults.js";
import type { CommandContext } from "../context.js";

/** Plays `pcm` `loop` times; 0 means until the call (or `signal`) ends. */
export async function playLooped(
  ctx: CommandContext,
  pcm: Int16Array,
  loop: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const times = loop ?? DEFAULTS.say.loop;
  for (let i = 0; times === 0 || i < times; i++) {
    if (signal.aborted || pcm.length === 0) return;
    await ctx.play(pcm, signal);
  }
}
