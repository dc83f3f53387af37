import assert from "node:assert/strict";
import { describe, test } from "node:test";
import freeclimb from "@freeclimb/sdk";
import { newId } from "../../src/contract/ids.js";
import {
  isTerminal,
  PERCL_COMMAND_NAMES,
  PERCL_COMMAND_SCHEMAS,
  type PerclCommand,
  type PerclCommandName,
  type PerclError,
  parsePercl,
  TERMINAL_COMMANDS,
} from "../../src/contract/percl/index.js";
import { schemaProperties } from "../helpers/openapi.js";

const conferenceId = newId("CF");
const queueId = newId("QU");
const callId = newId("CA");

/** One realistic example per command, attributes as an app would send them. */
const EXAMPLES: Record<PerclCommandName, Record<string, unknown>> = {
  Say: { text: "Please leave a message after the tone.", language: "en-US", loop: 1, privacyMode: false },
  Play: { file: "https://app.example.com/audio/hold.wav", loop: 0 },
  PlayEarlyMedia: { file: "https://app.example.com/audio/ringback.wav" },
  Pause: { length: 1500 },
  Hangup: { reason: "menuDone" },
  Reject: { reason: "blocked" },
  Redirect: { actionUrl: "https://app.example.com/voice/next" },
  GetDigits: {
    actionUrl: "https://app.example.com/voice/pin",
    initialTimeoutMs: 8000,
    digitTimeoutMs: 2000,
    finishOnKey: "#",
    minDigits: 4,
    maxDigits: 6,
    flushBuffer: true,
    privacyMode: true,
    prompts: [
      { Say: { text: "Enter your PIN, then press pound." } },
      { Pause: { length: 500 } },
      { Play: { file: "https://app.example.com/audio/beep.wav" } },
    ],
  },
  SendDigits: { digits: "1234#", pauseMs: 200 },
  RecordUtterance: {
    actionUrl: "https://app.example.com/voice/recorded",
    silenceTimeoutMs: 3000,
    finishOnKey: "#",
    maxLengthSec: 120,
    playBeep: true,
    autoStart: false,
    privacyMode: false,
  },
  StartRecordCall: {},
  TranscribeUtterance: {
    actionUrl: "https://app.example.com/voice/transcribed",
    playBeep: true,
    record: { saveRecording: true, maxLengthSec: 60, rcrdTerminationSilenceTimeMs: 2000 },
    privacyForLogging: false,
    privacyForRecording: false,
    prompts: [{ Say: { text: "After the beep, say your name." } }],
  },
  GetSpeech: {
    actionUrl: "https://app.example.com/voice/heard",
    grammarType: "BUILTIN",
    grammarFile: "VERSAY_YESNO",
    playBeep: false,
    noInputTimeoutMs: 5000,
    recognitionTimeoutMs: 5000,
    confidenceThreshold: 0.6,
    sensitivityLevel: 0.4,
    speechCompleteTimeoutMs: 800,
    speechIncompleteTimeoutMs: 1500,
    prompts: [{ Say: { text: "Say yes or no." } }],
  },
  OutDial: {
    actionUrl: "https://app.example.com/voice/dialing",
    callConnectUrl: "https://app.example.com/voice/connected",
    callingNumber: "+13121000096",
    destination: "+13121000109",
    ifMachine: "hangup",
    sendDigits: "ww123",
    statusCallbackUrl: "https://app.example.com/voice/status",
    timeout: 30,
  },
  Enqueue: {
    queueId,
    waitUrl: "https://app.example.com/voice/hold",
    actionUrl: "https://app.example.com/voice/dequeued",
    notificationUrl: "https://app.example.com/voice/queued",
  },
  Dequeue: {},
  CreateConference: {
    actionUrl: "https://app.example.com/voice/conference",
    alias: "support",
    playBeep: "entryOnly",
    record: true,
    statusCallbackUrl: "https://app.example.com/voice/conference-status",
    waitUrl: "https://app.example.com/audio/wait.wav",
  },
  AddToConference: {
    conferenceId,
    allowCallControl: true,
    callControlSequence: "*9",
    callControlUrl: "https://app.example.com/voice/control",
    leaveConferenceUrl: "https://app.example.com/voice/left",
    listen: true,
    talk: true,
    startConfOnEnter: true,
    dtmfPassThrough: false,
  },
  RemoveFromConference: {},
  TerminateConference: {},
  SetListen: { listen: false },
  SetTalk: { talk: false },
  SetDTMFPassThrough: { dtmfPassThrough: true },
  Park: {
    waitUrl: "https://app.example.com/voice/parked",
    actionUrl: "https://app.example.com/voice/unparked",
    notificationUrl: "https://app.example.com/voice/park-note",
  },
  Unpark: {},
  Sms: { to: "+13121000109", from: "+13121000096", text: "Thanks for calling!" },
};

function parseOk(value: unknown): PerclCommand[] {
  const result = parsePercl(value);
  if (!result.ok) assert.fail(result.error.message);
  return result.script;
}

function parseError(value: unknown): PerclError {
  const result = parsePercl(value);
  assert.equal(result.ok, false, "expected the script to be invalid");
  return (result as { ok: false; error: PerclError }).error;
}

describe("parsePercl: valid scripts", () => {
  test("the examples cover every command name", () => {
    assert.deepEqual(Object.keys(EXAMPLES).sort(), [...PERCL_COMMAND_NAMES].sort());
  });

  for (const name of PERCL_COMMAND_NAMES) {
    test(`${name} parses to { name, attrs }`, () => {
      const attrs = EXAMPLES[name];
      const [command, ...rest] = parseOk([{ [name]: attrs }]);
      assert.equal(rest.length, 0);
      assert.ok(command);
      assert.equal(command.name, name);
      if (name === "GetDigits" || name === "GetSpeech" || name === "TranscribeUtterance") {
        // prompts come back in the same { name, attrs } shape as top-level commands
        const { prompts, ...plain } = attrs;
        const { prompts: parsedPrompts, ...parsedPlain } = command.attrs as Record<string, unknown>;
        assert.deepEqual(parsedPlain, plain);
        const expected = (prompts as Record<string, unknown>[]).map((p) => {
          const [[promptName, promptAttrs]] = Object.entries(p) as [[string, unknown]];
          return { name: promptName, attrs: promptAttrs };
        });
        assert.deepEqual(parsedPrompts, expected);
      } else {
        assert.deepEqual(command.attrs, attrs);
      }
    });
  }

  test("a whole script keeps its order", () => {
    const script = parseOk([
      { Say: EXAMPLES.Say },
      { Pause: EXAMPLES.Pause },
      { RecordUtterance: EXAMPLES.RecordUtterance },
    ]);
    assert.deepEqual(
      script.map((c) => c.name),
      ["Say", "Pause", "RecordUtterance"],
    );
  });

  test("an empty array is an empty script", () => {
    assert.deepEqual(parsePercl([]), { ok: true, script: [] });
  });

  test("an empty Say text is valid (FreeClimb skips it)", () => {
    assert.deepEqual(parseOk([{ Say: { text: "" } }]), [{ name: "Say", attrs: { text: "" } }]);
  });

  test("unknown attributes are stripped, at top level and in prompts", () => {
    const script = parseOk([
      { Say: { text: "hi", voice: "alice", colour: 3 } },
      {
        GetDigits: {
          actionUrl: "https://app.example.com/d",
          numDigits: 4,
          prompts: [{ Play: { file: "https://app.example.com/a.wav", volume: 11 } }],
        },
      },
    ]);
    assert.deepEqual(script, [
      { name: "Say", attrs: { text: "hi" } },
      {
        name: "GetDigits",
        attrs: {
          actionUrl: "https://app.example.com/d",
          prompts: [{ name: "Play", attrs: { file: "https://app.example.com/a.wav" } }],
        },
      },
    ]);
  });

  test("CreateConference playBeep given as a boolean (as the 2.1.3 SDK types it) reads as always/never", () => {
    const [on, off] = parseOk([
      { CreateConference: { actionUrl: "https://a.example/c", playBeep: true } },
      { CreateConference: { actionUrl: "https://a.example/c", playBeep: false } },
    ]);
    assert.deepEqual(on?.attrs, { actionUrl: "https://a.example/c", playBeep: "always" });
    assert.deepEqual(off?.attrs, { actionUrl: "https://a.example/c", playBeep: "never" });
  });

  test("every single finish key is accepted by RecordUtterance", () => {
    for (const key of "0123456789#*") {
      const [command] = parseOk([
        { RecordUtterance: { actionUrl: "https://a.example/r", finishOnKey: key } },
      ]);
      assert.deepEqual(command?.attrs, { actionUrl: "https://a.example/r", finishOnKey: key });
    }
  });

  test("Say text of exactly 4096 bytes is accepted", () => {
    parseOk([{ Say: { text: "a".repeat(4096) } }]);
    parseOk([{ Say: { text: "é".repeat(2048) } }]);
  });
});

describe("parsePercl: what @freeclimb/sdk 2.1.3 emits", () => {
  const sdk = freeclimb(newId("AC"), "0".repeat(40)).percl;
  const url = (path: string) => `https://app.example.com/${path}`;
  const built = sdk.build(
    sdk.say("Welcome to Belay.", { loop: 2, language: "en-GB" }),
    sdk.play(url("hold.wav"), { loop: 1 }),
    sdk.playEarlyMedia(url("ring.wav")),
    sdk.pause(250),
    sdk.sendDigits("123#", { pauseMs: 150 }),
    sdk.startRecordCall(),
    sdk.createConference(url("conf"), { alias: "room", record: false }),
    sdk.addToConference(conferenceId, callId, { talk: true, listen: true }),
    sdk.setListen(callId, true),
    sdk.setTalk(callId, false),
    sdk.removeFromConference(callId),
    sdk.terminateConference(conferenceId),
    sdk.enqueue(queueId, url("dequeued"), url("wait"), url("queued")),
    sdk.dequeue(),
    sdk.sms("+13121000096", "+13121000109", "hello"),
    sdk.outDial("+13121000109", "+13121000096", url("outdial"), url("connect"), { timeout: 20 }),
    sdk.getDigits(url("digits"), {
      maxDigits: 1,
      prompts: [sdk.say("Press 1 for sales."), sdk.pause(300), sdk.play(url("menu.wav"))],
    }),
    sdk.getSpeech(url("speech"), "VERSAY_YESNO", { grammarType: "BUILTIN" }),
    sdk.recordUtterance(url("recorded"), { maxLengthSec: 30, finishOnKey: "*", playBeep: true }),
    sdk.redirect(url("next")),
    sdk.reject("busy"),
    sdk.hangup({ reason: "done" }),
  );
  // An app sends the script as JSON: parse what would go over the wire.
  const wire: unknown = JSON.parse(JSON.stringify(built));

  test("every builder's output parses, in order", () => {
    const script = parseOk(wire);
    assert.deepEqual(
      script.map((c) => c.name),
      [
        "Say",
        "Play",
        "PlayEarlyMedia",
        "Pause",
        "SendDigits",
        "StartRecordCall",
        "CreateConference",
        "AddToConference",
        "SetListen",
        "SetTalk",
        "RemoveFromConference",
        "TerminateConference",
        "Enqueue",
        "Dequeue",
        "Sms",
        "OutDial",
        "GetDigits",
        "GetSpeech",
        "RecordUtterance",
        "Redirect",
        "Reject",
        "Hangup",
      ],
    );
  });

  test("builder attributes survive parsing unchanged", () => {
    const script = parseOk(wire);
    const byName = new Map(script.map((c) => [c.name, c.attrs]));
    assert.deepEqual(byName.get("Say"), { text: "Welcome to Belay.", loop: 2, language: "en-GB" });
    assert.deepEqual(byName.get("OutDial"), {
      destination: "+13121000109",
      callingNumber: "+13121000096",
      actionUrl: url("outdial"),
      callConnectUrl: url("connect"),
      timeout: 20,
    });
    // the SDK's legacy callId/conferenceId attributes are kept for the engine
    assert.deepEqual(byName.get("AddToConference"), { conferenceId, callId, talk: true, listen: true });
    assert.deepEqual(byName.get("TerminateConference"), { conferenceId });
    assert.deepEqual(byName.get("GetDigits"), {
      actionUrl: url("digits"),
      maxDigits: 1,
      prompts: [
        { name: "Say", attrs: { text: "Press 1 for sales." } },
        { name: "Pause", attrs: { length: 300 } },
        { name: "Play", attrs: { file: url("menu.wav") } },
      ],
    });
  });
});

describe("parsePercl: invalid scripts", () => {
  test("a script that is not an array", () => {
    assert.deepEqual(parseError({ Say: { text: "hi" } }), {
      message: "a PerCL script must be a JSON array of commands, not a JSON object",
    });
    assert.match(parseError("[]").message, /must be a JSON array.*not a JSON string/);
    assert.match(parseError(null).message, /must be a JSON array.*not null/);
  });

  test("an unknown command name", () => {
    assert.deepEqual(parseError([{ Say: { text: "a" } }, { Sya: { text: "b" } }]), {
      index: 1,
      message: 'command 1: unknown PerCL command "Sya"',
    });
  });

  test("an element with two keys", () => {
    const error = parseError([{ Say: { text: "a" }, Play: { file: "https://a.example/b.wav" } }]);
    assert.equal(error.index, 0);
    assert.equal(
      error.message,
      'command 0: has 2 keys ("Say", "Play"); each element holds exactly one command',
    );
  });

  test("an element that is empty, not an object, or has non-object attributes", () => {
    assert.match(parseError([{}]).message, /^command 0: is an empty object/);
    assert.match(parseError(["Say"]).message, /^command 0: must be an object .* but is a string$/);
    assert.match(parseError([[{ Say: { text: "a" } }]]).message, /but is an array$/);
    const error = parseError([{ Hangup: null }]);
    assert.equal(error.command, "Hangup");
    assert.match(error.message, /^command 0 \(Hangup\): attributes must be an object/);
  });

  test("a missing actionUrl names command, index and field", () => {
    const error = parseError([
      { Say: { text: "a" } },
      { Pause: { length: 10 } },
      { GetDigits: { maxDigits: 3 } },
    ]);
    assert.deepEqual(error, {
      index: 2,
      command: "GetDigits",
      field: "actionUrl",
      message: 'command 2 (GetDigits): "actionUrl" is required',
    });
  });

  test("an actionUrl that is not an absolute http(s) URL", () => {
    for (const actionUrl of ["/voice/next", "ftp://a.example/x", "not a url", ""]) {
      const error = parseError([{ Redirect: { actionUrl } }]);
      assert.equal(error.field, "actionUrl");
      assert.match(error.message, /must be an absolute http:\/\/ or https:\/\/ URL/);
    }
  });

  test("wrong attribute types", () => {
    const cases: [unknown, string][] = [
      [{ Say: { text: 42 } }, 'command 0 (Say): "text" must be a string'],
      [{ Say: { text: "a", loop: "2" } }, 'command 0 (Say): "loop" must be an integer'],
      [{ Pause: { length: 1.5 } }, 'command 0 (Pause): "length" must be an integer'],
      [{ Pause: { length: -1 } }, 'command 0 (Pause): "length" must be 0 or more'],
      [
        { Play: { file: "https://a.example/x.wav", privacyMode: "yes" } },
        'command 0 (Play): "privacyMode" must be true or false',
      ],
      [
        { OutDial: { ...EXAMPLES.OutDial, ifMachine: "voicemail" } },
        'command 0 (OutDial): "ifMachine" must be one of "redirect", "hangup"',
      ],
      [
        { Enqueue: { ...EXAMPLES.Enqueue, queueId: "support" } },
        'command 0 (Enqueue): "queueId" must be a QU id',
      ],
      [
        { GetDigits: { actionUrl: "https://a.example/d", prompts: "Say hi" } },
        'command 0 (GetDigits): "prompts" must be an array',
      ],
    ];
    for (const [element, prefix] of cases) {
      const error = parseError([element]);
      assert.ok(error.message.startsWith(prefix), `${error.message} should start with ${prefix}`);
    }
  });

  test("RecordUtterance finishOnKey must be one key 0-9, # or *", () => {
    for (const finishOnKey of ["a", "##", "", 5]) {
      const error = parseError([{ RecordUtterance: { actionUrl: "https://a.example/r", finishOnKey } }]);
      assert.equal(error.message, 'command 0 (RecordUtterance): "finishOnKey" must be one key: 0-9, # or *');
    }
  });

  test("Say text over 4096 bytes, counted in UTF-8", () => {
    for (const text of ["a".repeat(4097), "é".repeat(2049)]) {
      const error = parseError([{ Say: { text } }]);
      assert.equal(error.field, "text");
      assert.match(error.message, /"text" must be at most 4096 bytes/);
    }
  });

  test("invalid nested prompts point into the prompt", () => {
    const missingText = parseError([
      { GetDigits: { actionUrl: "https://a.example/d", prompts: [{ Pause: { length: 5 } }, { Say: {} }] } },
    ]);
    assert.deepEqual(missingText, {
      index: 0,
      command: "GetDigits",
      field: "prompts[1].text",
      message: 'command 0 (GetDigits): prompt 1 (Say): "text" is required',
    });
    const notNestable = parseError([
      { GetSpeech: { actionUrl: "https://a.example/s", grammarFile: "DIG4", prompts: [{ Hangup: {} }] } },
    ]);
    assert.equal(notNestable.field, "prompts[0]");
    assert.match(
      notNestable.message,
      /prompt 0: "Hangup" cannot be nested in prompts; only Say, Play and Pause can$/,
    );
    const unknown = parseError([{ GetDigits: { actionUrl: "https://a.example/d", prompts: [{ Sya: {} }] } }]);
    assert.match(unknown.message, /prompt 0: unknown PerCL command "Sya"/);
    const twoKeys = parseError([
      {
        GetDigits: {
          actionUrl: "https://a.example/d",
          prompts: [{ Say: { text: "a" }, Pause: { length: 1 } }],
        },
      },
    ]);
    assert.match(twoKeys.message, /prompt 0: has 2 keys/);
  });

  test("the first invalid command is reported, even after a terminal command", () => {
    const error = parseError([{ Redirect: { actionUrl: "https://a.example/n" } }, { Say: {} }, { Nope: {} }]);
    assert.equal(error.index, 1);
  });
});

describe("attribute names against FreeClimb's OpenAPI", () => {
  /** Legacy attributes @freeclimb/sdk 2.1.3 emits and the current OpenAPI no longer declares. */
  const LEGACY: Partial<Record<PerclCommandName, string[]>> = {
    AddToConference: ["callId"],
    RemoveFromConference: ["callId"],
    SetListen: ["callId"],
    SetTalk: ["callId"],
    SetDTMFPassThrough: ["callId"],
    TerminateConference: ["conferenceId"],
  };
  /** Belay's own extensions (docs/conferences.md). */
  const EXTENSIONS: Partial<Record<PerclCommandName, string[]>> = {
    StartRecordCall: ["tracks"],
    CreateConference: ["tracks"],
  };

  for (const name of PERCL_COMMAND_NAMES) {
    test(`${name} declares FreeClimb's attributes`, () => {
      const belay = Object.keys(PERCL_COMMAND_SCHEMAS[name].shape).sort();
      // `command` is the OpenAPI discriminator, not an attribute
      const freeclimb = schemaProperties(name).filter((p) => p !== "command");
      assert.deepEqual(belay, [...freeclimb, ...(LEGACY[name] ?? []), ...(EXTENSIONS[name] ?? [])].sort());
    });
  }
});

describe("terminal commands", () => {
  test("TERMINAL_COMMANDS is docs/contract.md's set", () => {
    assert.deepEqual([...TERMINAL_COMMANDS].sort(), [
      "CreateConference",
      "Enqueue",
      "GetDigits",
      "GetSpeech",
      "OutDial",
      "Park",
      "RecordUtterance",
      "Redirect",
      "TranscribeUtterance",
    ]);
  });

  test("isTerminal works on parsed commands", () => {
    const script = parseOk(PERCL_COMMAND_NAMES.map((name) => ({ [name]: EXAMPLES[name] })));
    const terminal = script.filter(isTerminal).map((c) => c.name);
    assert.deepEqual(terminal.sort(), [...TERMINAL_COMMANDS].sort());
  });

  test("parsed commands narrow by name", () => {
    const [command] = parseOk([{ RecordUtterance: EXAMPLES.RecordUtterance }]);
    assert.ok(command);
    switch (command.name) {
      case "RecordUtterance":
        // compiles only because the union narrows attrs to RecordUtteranceAttrs
        assert.equal(command.attrs.maxLengthSec, 120);
        break;
      default:
        assert.fail(`unexpected ${command.name}`);
    }
  });
});
