import { z } from "zod";
import { pauseAttrs, playAttrs, sayAttrs } from "./audio.js";
import { NESTED_ISSUE, type ParsedElement, parseElement } from "./element.js";
import { expecting } from "./fields.js";
import { isPerclCommandName } from "./names.js";

/** The commands FreeClimb lets an input command (GetDigits, GetSpeech, …) play while it waits. */
const PROMPT_SCHEMAS = { Say: sayAttrs, Play: playAttrs, Pause: pauseAttrs } as const;

export type PromptCommand = ParsedElement<typeof PROMPT_SCHEMAS>;

function refuse(name: string): string {
  return isPerclCommandName(name)
    ? `"${name}" cannot be nested in prompts; only Say, Play and Pause can`
    : `unknown PerCL command "${name}" (prompts take Say, Play and Pause)`;
}

/** A `prompts` attribute: a nested script parsed to the same `{ name, attrs }` shape. */
export const prompts = () =>
  z.array(z.unknown(), expecting("an array of Say, Play or Pause commands")).transform((items, ctx) => {
    const parsed: PromptCommand[] = [];
    for (let i = 0; i < items.length; i++) {
      const result = parseElement(items[i], PROMPT_SCHEMAS, refuse);
      if (!result.ok) {
        const label = result.name === undefined ? `prompt ${i}` : `prompt ${i} (${result.name})`;
        ctx.issues.push({
          code: "custom",
          message: `${label}: ${result.reason}`,
          input: items[i],
          path: [i, ...result.path],
          params: { [NESTED_ISSUE]: true },
        });
        return z.NEVER;
      }
      parsed.push(result.command);
    }
    return parsed;
  });
