import type { PerclCommand } from "../contract/percl/index.js";
import type { AppClient } from "../engine/ports.js";
import { displayUrl } from "../webhooks/classify.js";

/** The PerCL an app answered one webhook with, as Belay read it, privacyMode commands withheld. */
export interface PerclAnswer {
  requestType: string;
  url: string;
  script: unknown[];
}

/** Recent calls' answers kept in memory, as many as the console keeps timelines of. */
const MAX_CALLS = 500;
const MAX_ANSWERS = 1_000;

/**
 * Keeps the PerCL each call's app answered, for the console's timeline. Memory only: never
 * written to disk or logged. A command with `privacyMode` (Say, Play, GetDigits, SendDigits,
 * OutDial, RecordUtterance…) is kept as its name and `withheld`: its text, digits or destination
 * stay out of the console, as they stay out of logs (docs/privacy.md).
 */
export class PerclAnswers {
  private readonly calls = new Map<string, { accountId: string; answers: PerclAnswer[] }>();

  /** The same app client, noting every PerCL answer it hands the engine. */
  observe(app: AppClient<PerclCommand[]>): AppClient<PerclCommand[]> {
    return {
      requestPercl: async (target, options) => {
        const outcome = await app.requestPercl(target, options);
        if (outcome.ok && target.callId)
          this.keep(target.accountId, target.callId, {
            requestType: target.body.requestType,
            url: displayUrl(outcome.url),
            script: outcome.script.map(withheld),
          });
        return outcome;
      },
      notify: (target) => app.notify(target),
    };
  }

  /** This account's call's answers, oldest first; empty for another account's call. */
  of(accountId: string, callId: string): PerclAnswer[] {
    const kept = this.calls.get(callId);
    return kept?.accountId === accountId ? kept.answers : [];
  }

  private keep(accountId: string, callId: string, answer: PerclAnswer): void {
    let kept = this.calls.get(callId);
    if (!kept) {
      kept = { accountId, answers: [] };
      this.calls.set(callId, kept);
      if (this.calls.size > MAX_CALLS) this.calls.delete(this.calls.keys().next().value as string);
    }
    if (kept.answers.length < MAX_ANSWERS) kept.answers.push(answer);
  }
}

/**
 * A parsed command (`{ name, attrs }`, nested prompts too) back in PerCL's own shape
 * (`{ Say: { … } }`); one with privacyMode on becomes `{ Say: { privacyMode: true, withheld: true } }`.
 */
function withheld(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withheld);
  if (value === null || typeof value !== "object") return value;
  const { name, attrs } = value as { name?: unknown; attrs?: unknown };
  if (
    typeof name === "string" &&
    attrs !== null &&
    typeof attrs === "object" &&
    Object.keys(value).length === 2
  )
    return { [name]: isPrivate(attrs) ? { privacyMode: true, withheld: true } : withheld(attrs) };
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withheld(inner)]));
}

function isPrivate(attrs: object): boolean {
  return (attrs as { privacyMode?: unknown }).privacyMode === true;
}
