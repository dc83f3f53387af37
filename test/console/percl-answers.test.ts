import assert from "node:assert/strict";
import { test } from "node:test";
import { PerclAnswers } from "../../src/console/percl-answers.js";
import type { PerclCommand } from "../../src/contract/percl/index.js";
import { parsePercl } from "../../src/contract/percl/parse.js";
import type { AppClient, WebhookTarget } from "../../src/engine/ports.js";

const ACCOUNT = `AC${"1".repeat(40)}`;
const CALL = `CA${"2".repeat(40)}`;

/** An app client that answers every PerCL request with `percl`, parsed as Belay parses it. */
function answering(percl: unknown[]): AppClient<PerclCommand[]> {
  const parsed = parsePercl(percl);
  if (!parsed.ok) throw new Error(`bad PerCL in the test: ${JSON.stringify(parsed)}`);
  return {
    requestPercl: async (target) => ({
      ok: true,
      script: parsed.script,
      status: 200,
      latencyMs: 1,
      url: target.url,
    }),
    notify: async () => undefined,
  };
}

const target = (url: string): WebhookTarget =>
  ({
    accountId: ACCOUNT,
    callId: CALL,
    url,
    body: { requestType: "inboundCall" },
  }) as unknown as WebhookTarget;

test("answers are kept in PerCL's shape, privacyMode commands withheld at any depth, URLs masked", async () => {
  const answers = new PerclAnswers();
  const app = answers.observe(
    answering([
      { Say: { text: "Hello" } },
      { SendDigits: { digits: "1234", privacyMode: true } },
      {
        GetDigits: {
          actionUrl: "http://127.0.0.1:3000/pin",
          prompts: [{ Say: { text: "Your PIN is 9876", privacyMode: true } }, { Say: { text: "Enter it" } }],
        },
      },
    ]),
  );
  await app.requestPercl(target("http://user:secret@127.0.0.1:3000/voice"));
  const [answer] = answers.of(ACCOUNT, CALL);
  assert.equal(answer?.url, "http://***@127.0.0.1:3000/voice");
  const text = JSON.stringify(answer?.script);
  for (const secret of ["1234", "9876", "secret"]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  const script = answer?.script as Array<Record<string, Record<string, unknown>>>;
  assert.deepEqual(script[0], { Say: { text: "Hello" } });
  assert.deepEqual(script[1], { SendDigits: { privacyMode: true, withheld: true } });
  const prompts = script[2]?.GetDigits?.prompts as unknown[] | undefined;
  assert.deepEqual(prompts?.[0], {
    Say: { privacyMode: true, withheld: true },
  });
  assert.deepEqual(prompts?.[1], { Say: { text: "Enter it" } });
  // Another account asking for this call gets nothing.
  assert.deepEqual(answers.of(`AC${"3".repeat(40)}`, CALL), []);
});
