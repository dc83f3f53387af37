import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { entryBeep, exitBeep } from "../../src/media/tones.js";
import { authOf, pcmToBase64 } from "../e2e/harness.js";
import {
  type PcapAudio,
  padToPackets,
  pcapAudio,
  readWav8k,
  soxToUlaw,
  speech,
  writeWav8k,
} from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import {
  AGENT,
  agentFlow,
  assertWebhooksValid,
  find,
  joined,
  ms,
  silence,
  webhookOfType,
} from "./conference-app.js";
import { align } from "./correlate.js";
import { freeUdpPort } from "./ports.js";
import { describeSipp, type SippRun, startSipp } from "./sipp.js";

/**
 * SIP parties in conferences, with real peers: the agent flow (a caller in, CreateConference,
 * OutDial to an agent reached through --sip-outbound, both added to the conference), each peer's
 * own record of what it heard checked against what the other said, and the conference recording
 * checked for both voices at the times the peers heard them.
 */

describe("the agent flow over SIP: a baresip caller (PCMA, 40 ms), a baresip agent (PCMU, 20 ms) through --sip-outbound", () => {
  let belay: SipBelay;
  let caller: Baresip;
  let agent: Baresip;
  let dir: string;
  let callerSpeech: Int16Array;
  let agentSpeech: Int16Array;
  // Beeps mark the agent's entry and exit in what each party heard and in the recording; the agent
  // waits a second before it joins, so its entry beep is apart from the caller's.
  const flow = agentFlow({ record: true, playBeep: "always", agentWaitsMs: 1000 });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "belay-interop-conf-"));
    callerSpeech = await speech("Hello, I am calling about my order. It has not arrived yet.");
    agentSpeech = await speech("Thank you for waiting. I can see your order, it ships tomorrow.");
    // The caller talks first, then the agent; each microphone's WAV ends its call when it runs out,
    // so the agent hangs up first and the caller a little after.
    const callerStarts = 2500;
    const agentStarts = callerStarts + ms(callerSpeech.length) + 1500;
    const agentWav = joined(silence(agentStarts), agentSpeech, silence(1000));
    const callerWav = joined(
      silence(callerStarts),
      callerSpeech,
      silence(agentStarts - callerStarts - ms(callerSpeech.length) + ms(agentSpeech.length) + 3000),
    );
    agent = await startBaresip({
      source: { wav: await writeWav8k(path.join(dir, "agent.wav"), agentWav) },
      answerMode: "auto",
      user: AGENT,
      quitAfterSec: 40,
    });
    // The caller offers PCMA alone at 40 ms: Belay's stream to it takes two mix frames a packet.
    caller = await startBaresip({
      source: { wav: await writeWav8k(path.join(dir, "caller.wav"), callerWav) },
      codecs: "pcma",
      ptimeMs: 40,
      quitAfterSec: 40,
    });
    belay = await startSipBelay({
      sipOutbound: () => `sip:{to}@127.0.0.1:${agent.sipPort}`,
      routes: flow.routes,
    });
  });

  after(async () => {
    await caller?.quit();
    await caller?.remove();
    await agent?.quit();
    await agent?.remove();
    await belay?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("caller and agent hear each other; the recording holds both voices where they were heard; hang-ups end it all", async (t) => {
    const dialled = await caller.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
    assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
    try {
      await agent.nextEvent("CALL_ESTABLISHED", 15_000);
      await caller.nextEvent("CALL_ESTABLISHED", 15_000);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\ncaller's SIP trace:\n${caller.log().slice(-4000)}\nagent's SIP trace:\n${agent.log().slice(-4000)}`,
      );
    }
    const answered = await caller.waitForTrace(
      (trace) => trace.find((m) => m.direction === "received" && m.startLine.startsWith("SIP/2.0 200")),
      5000,
      "Belay's 200 OK",
    );
    assert.match(answered.text, /m=audio \d+ RTP\/AVP 8[ \r\n]/, "Belay answers the caller PCMA");
    assert.match(answered.text, /a=ptime:40/, "Belay sends the caller 40 ms packets");
    const start = await belay.webhook("/dialled", 5000);
    const connect = await belay.webhook("/connect", 5000);
    assert.equal(connect.body.callId, start.body.dialCallId, "outDialConnect is for the dialled call");
    assert.equal(connect.body.direction, "outboundDial");
    assert.equal(connect.body.parentCallId, start.body.callId);
    const joinedNote = await belay.webhook("/agent-joined", 5000);
    assert.equal(joinedNote.body.conferenceId, flow.conferenceId());

    // The agent's WAV runs out first: its BYE takes it out of the conference, the caller stays.
    await agent.nextEvent("CALL_CLOSED", 30_000);
    const left = await belay.webhook("/agent-left", 5000);
    assert.equal(left.body.callId, connect.body.callId);
    const agentStatus = await belay.webhook("/agent-status", 5000);
    assert.deepEqual(
      [agentStatus.body.callStatus, agentStatus.body.callEndedReason],
      ["completed", "farEndHangup"],
      agentStatus.rawBody,
    );
    // Then the caller's: the last participant gone, the conference ends and its recording is stored.
    await caller.nextEvent("CALL_CLOSED", 30_000);
    const callerStatus = await belay.webhook("/status", 5000);
    assert.equal(callerStatus.body.callEndedReason, "farEndHangup", callerStatus.rawBody);
    const recorded = await webhookOfType(belay, "/conference", "conferenceRecordingStatus", 10_000);
    const statuses = belay.app.hits
      .filter((h) => h.body.requestType === "conferenceStatus")
      .map((h) => h.body.status);
    assert.deepEqual(statuses, ["populated", "inProgress", "terminated"]);
    assertWebhooksValid(belay.app.hits);

    await caller.quit();
    await agent.quit();
    const callerDumps = await caller.dumps();
    const agentDumps = await agent.dumps();
    const callerHeard = await readWav8k(callerDumps.heard);
    const agentHeard = await readWav8k(agentDumps.heard);

    const heardByCaller = find(callerHeard, agentSpeech);
    const heardByAgent = find(agentHeard, callerSpeech);
    const recording = await belay.recording(recorded);
    const callerInRecording = find(recording, callerSpeech);
    const agentInRecording = find(recording, agentSpeech);
    t.diagnostic(
      `caller heard the agent: correlation ${heardByCaller.correlation.toFixed(5)}; ` +
        `agent heard the caller: ${heardByAgent.correlation.toFixed(5)}; ` +
        `recording (${ms(recording.length)} ms): caller ${callerInRecording.correlation.toFixed(5)} at ${ms(callerInRecording.lag)} ms, ` +
        `agent ${agentInRecording.correlation.toFixed(5)} at ${ms(agentInRecording.lag)} ms`,
    );
    assert.ok(heardByCaller.correlation > 0.99, `the caller heard the agent: ${heardByCaller.correlation}`);
    assert.ok(heardByAgent.correlation > 0.99, `the agent heard the caller: ${heardByAgent.correlation}`);
    assert.ok(
      callerInRecording.correlation > 0.99,
      `the caller's voice recorded: ${callerInRecording.correlation}`,
    );
    assert.ok(
      agentInRecording.correlation > 0.99,
      `the agent's voice recorded: ${agentInRecording.correlation}`,
    );

    // At the right times: each party heard the other's voice where the recording has it, measured
    // from a beep both heard: the agent's exit beep for the caller, its entry beep for the agent
    // (the recording's first entry beep is the caller's own, before the agent was there).
    const exitHeard = find(callerHeard, exitBeep());
    const exitRecorded = find(recording, exitBeep());
    const firstEntry = find(recording, entryBeep());
    const entryRecorded = align(recording, entryBeep(), {
      minLag: firstEntry.lag + entryBeep().length,
      minOverlap: entryBeep().length,
    });
    const entryHeard = find(agentHeard, entryBeep());
    const callerOff = ms(heardByCaller.lag - exitHeard.lag - (agentInRecording.lag - exitRecorded.lag));
    const agentOff = ms(heardByAgent.lag - entryHeard.lag - (callerInRecording.lag - entryRecorded.lag));
    t.diagnostic(
      `beeps (correlation): entries recorded at ${ms(firstEntry.lag)} and ${ms(entryRecorded.lag)} ms ` +
        `(${entryRecorded.correlation.toFixed(4)}), exit at ${ms(exitRecorded.lag)} ms (${exitRecorded.correlation.toFixed(4)}); ` +
        `heard: agent's entry ${entryHeard.correlation.toFixed(4)}, its exit ${exitHeard.correlation.toFixed(4)}; ` +
        `the other's voice from the beep, heard less recorded: caller ${callerOff} ms, agent ${agentOff} ms`,
    );
    for (const found of [exitHeard, exitRecorded, entryRecorded, entryHeard])
      assert.ok(found.correlation > 0.9, `a beep found with correlation ${found.correlation}`);
    assert.ok(ms(entryRecorded.lag - firstEntry.lag) >= 900, "the agent joined a second after the caller");
    assert.ok(Math.abs(callerOff) <= 40, `the caller heard the agent ${callerOff} ms off the recording`);
    assert.ok(Math.abs(agentOff) <= 40, `the agent heard the caller ${agentOff} ms off the recording`);
  });
});

describe("the agent flow with sipp calling in (PCMA, 30 ms packets) and a baresip agent (PCMU, 20 ms)", () => {
  let belay: SipBelay;
  let agent: Baresip;
  let dir: string;
  let pcap: PcapAudio;
  let agentSpeech: Int16Array;
  const flow = agentFlow({ record: true });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "belay-interop-conf-sipp-"));
    pcap = await pcapAudio();
    agentSpeech = await speech("One moment please.");
    // uac_pcap talks for 7 s from its ACK, keys 1 at 8 s and hangs up at 9 s: the agent answers
    // while sipp's voice is still silent, and talks after it, so each voice is heard alone.
    agent = await startBaresip({
      source: {
        wav: await writeWav8k(path.join(dir, "agent.wav"), joined(silence(7600), agentSpeech, silence(2000))),
      },
      answerMode: "auto",
      user: AGENT,
      quitAfterSec: 40,
    });
    belay = await startSipBelay({
      sipOutbound: () => `sip:{to}@127.0.0.1:${agent.sipPort}`,
      routes: flow.routes,
    });
  });

  after(async () => {
    await agent?.quit();
    await agent?.remove();
    await belay?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the agent hears sipp's voice and its key (RFC 4733); the recording holds both voices; both hang-ups are seen", async (t) => {
    const run = await startSipp({
      scenario: { builtin: "uac_pcap" },
      port: belay.sipPort,
      service: NUMBER.slice(1),
    });
    const sipp = await run.finished;
    assert.equal(sipp.code, 0, describeSipp(sipp));
    // sipp offers PCMA alone, without a=ptime, and replays 30 ms packets whatever the answer says.
    const answer = /SIP\/2\.0 200 OK[\s\S]*?m=audio \d+ RTP\/AVP ([\d ]+)/.exec(sipp.messages);
    assert.ok(answer, `Belay's 200 OK with its SDP in sipp's trace:\n${sipp.messages.slice(-3000)}`);
    assert.equal(answer[1]?.split(" ")[0], "8", "Belay answers PCMA, as sipp offered");
    assert.equal(pcap.packetSamples, 240, "sipp sends 30 ms packets");

    const callerStatus = await belay.webhook("/status", 5000);
    assert.equal(callerStatus.body.callEndedReason, "farEndHangup", callerStatus.rawBody);
    // The agent stays in the conference alone until its WAV runs out and it hangs up.
    await agent.nextEvent("CALL_CLOSED", 20_000);
    const agentStatus = await belay.webhook("/agent-status", 5000);
    assert.equal(agentStatus.body.callEndedReason, "farEndHangup", agentStatus.rawBody);
    const recorded = await webhookOfType(belay, "/conference", "conferenceRecordingStatus", 10_000);
    const statuses = belay.app.hits
      .filter((h) => h.body.requestType === "conferenceStatus")
      .map((h) => [h.body.status, h.body.callId]);
    assert.deepEqual(
      statuses.map(([status]) => status),
      ["populated", "inProgress", "terminated"],
    );
    assert.equal(statuses[2]?.[1], agentStatus.body.callId, "the agent's hang-up ended the conference");
    assertWebhooksValid(belay.app.hits);

    const keys = agent.events.filter((e) => e.type === "CALL_DTMF_START").map((e) => e.param);
    assert.deepEqual(keys, ["1"], "sipp's key reached the agent once, as RFC 4733");

    await agent.quit();
    const agentHeard = await readWav8k((await agent.dumps()).heard);
    const heardByAgent = find(agentHeard, pcap.pcm);
    const recording = await belay.recording(recorded);
    const callerInRecording = find(recording, pcap.pcm);
    const agentInRecording = find(recording, agentSpeech);
    t.diagnostic(
      `agent heard sipp's PCMA voice: correlation ${heardByAgent.correlation.toFixed(5)}; recording ` +
        `(${ms(recording.length)} ms): sipp ${callerInRecording.correlation.toFixed(5)} at ${ms(callerInRecording.lag)} ms, ` +
        `agent ${agentInRecording.correlation.toFixed(5)} at ${ms(agentInRecording.lag)} ms`,
    );
    assert.ok(heardByAgent.correlation > 0.99, `the agent heard sipp: ${heardByAgent.correlation}`);
    assert.ok(
      callerInRecording.correlation > 0.99,
      `sipp's voice recorded: ${callerInRecording.correlation}`,
    );
    assert.ok(
      agentInRecording.correlation > 0.99,
      `the agent's voice recorded: ${agentInRecording.correlation}`,
    );
    const gap = ms(agentInRecording.lag - callerInRecording.lag - pcap.pcm.length);
    assert.ok(gap > 0 && gap < 1500, `the agent speaks ${gap} ms after sipp's voice ends, as scripted`);
  });
});

describe("a SIP caller and a virtual device (registered over REST) in one conference", () => {
  const DEVICE = "+15557771111";
  let belay: SipBelay;
  let caller: Baresip;
  let dir: string;
  let callerSpeech: Int16Array;
  let deviceSpeech: Int16Array;
  let conferenceId = "";

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "belay-interop-conf-dev-"));
    callerSpeech = await speech("Hi, can somebody help me with my bill?");
    deviceSpeech = await speech("Of course, this is billing, how can I help?");
    const callerWav = joined(silence(1000), callerSpeech, silence(2500 + ms(deviceSpeech.length) + 2000));
    caller = await startBaresip({
      source: { wav: await writeWav8k(path.join(dir, "caller.wav"), callerWav) },
      quitAfterSec: 40,
    });
    belay = await startSipBelay({
      routes: {
        "/voice": (_hit, base) => ({
          body: [
            {
              CreateConference: {
                actionUrl: `${base}/created`,
                statusCallbackUrl: `${base}/conference`,
                playBeep: "never",
                record: true,
              },
            },
          ],
        }),
        "/created": (hit, base) => {
          conferenceId = String(hit.body.conferenceId);
          return {
            body: [
              {
                OutDial: {
                  destination: DEVICE,
                  callingNumber: NUMBER,
                  actionUrl: `${base}/dialled`,
                  callConnectUrl: `${base}/connect`,
                  statusCallbackUrl: `${base}/device-status`,
                },
              },
            ],
          };
        },
        "/dialled": () => ({ body: [{ AddToConference: { conferenceId } }] }),
        "/connect": () => ({ body: [{ AddToConference: { conferenceId } }] }),
      },
    });
    // The device answers after half a second, speaks once the caller has, and hangs up.
    const server = belay.harness.belay;
    const deviceStartsMs = 1000 + ms(callerSpeech.length) + 1500;
    const registered = await fetch(`${server.publicUrl()}/belay/v1/devices`, {
      method: "POST",
      headers: { authorization: authOf(server), "content-type": "application/json" },
      body: JSON.stringify({
        phoneNumber: DEVICE,
        mode: "answer",
        answerAfterMs: 500,
        audio: pcmToBase64(deviceSpeech),
        audioAtMs: deviceStartsMs,
        hangupAtMs: deviceStartsMs + ms(deviceSpeech.length) + 1000,
      }),
    });
    assert.equal(registered.status, 201, await registered.text());
  });

  after(async () => {
    await caller?.quit();
    await caller?.remove();
    await belay?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the SIP caller hears the device; the recording holds both; each hang-up is told", async (t) => {
    const dialled = await caller.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
    assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
    await caller.nextEvent("CALL_ESTABLISHED", 15_000);
    const deviceStatus = await belay.webhook("/device-status", 30_000);
    assert.deepEqual(
      [deviceStatus.body.callStatus, deviceStatus.body.callEndedReason, deviceStatus.body.direction],
      ["completed", "farEndHangup", "outboundDial"],
      deviceStatus.rawBody,
    );
    await caller.nextEvent("CALL_CLOSED", 30_000);
    const callerStatus = await belay.webhook("/status", 5000);
    assert.equal(callerStatus.body.callEndedReason, "farEndHangup", callerStatus.rawBody);
    const recorded = await webhookOfType(belay, "/conference", "conferenceRecordingStatus", 10_000);
    const statuses = belay.app.hits
      .filter((h) => h.body.requestType === "conferenceStatus")
      .map((h) => h.body.status);
    assert.deepEqual(statuses, ["populated", "inProgress", "terminated"]);
    assertWebhooksValid(belay.app.hits);

    await caller.quit();
    const callerHeard = await readWav8k((await caller.dumps()).heard);
    const heardByCaller = find(callerHeard, deviceSpeech);
    const recording = await belay.recording(recorded);
    const callerInRecording = find(recording, callerSpeech);
    const deviceInRecording = find(recording, deviceSpeech);
    t.diagnostic(
      `caller heard the device: correlation ${heardByCaller.correlation.toFixed(5)}; recording ` +
        `(${ms(recording.length)} ms): caller ${callerInRecording.correlation.toFixed(5)} at ${ms(callerInRecording.lag)} ms, ` +
        `device ${deviceInRecording.correlation.toFixed(5)} at ${ms(deviceInRecording.lag)} ms`,
    );
    assert.ok(heardByCaller.correlation > 0.99, `the caller heard the device: ${heardByCaller.correlation}`);
    assert.ok(callerInRecording.correlation > 0.99, `the caller recorded: ${callerInRecording.correlation}`);
    assert.ok(deviceInRecording.correlation > 0.99, `the device recorded: ${deviceInRecording.correlation}`);
    // The device speaks 1.5 s after the caller's speech ends (its script counts from its answer,
    // which comes about 0.5 s after the caller's).
    const gap = ms(deviceInRecording.lag - callerInRecording.lag - callerSpeech.length);
    assert.ok(gap > 1000 && gap < 3000, `the device speaks ${gap} ms after the caller stops`);
  });
});

describe("a baresip caller and a sipp agent (UAS) through --sip-outbound; the conference ended over REST", () => {
  let belay: SipBelay;
  let caller: Baresip;
  let uas: SippRun;
  let dir: string;
  let callerSpeech: Int16Array;
  let agentSpeech: Int16Array;
  const flow = agentFlow({ record: true });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "belay-interop-conf-uas-"));
    callerSpeech = await speech("Hello, is anybody there?");
    agentSpeech = await speech("Yes, you are through to the support desk.");
    // sipp streams its file once from its ACK, then sends nothing: it speaks after the caller.
    const agentStarts = 1000 + ms(callerSpeech.length) + 1500;
    const agentWav = await writeWav8k(
      path.join(dir, "agent.wav"),
      padToPackets(joined(silence(agentStarts), agentSpeech)),
    );
    const agentUl = path.join(dir, "agent.ul");
    await soxToUlaw(agentWav, agentUl);
    const callerWav = joined(
      silence(1000),
      callerSpeech,
      silence(agentStarts + ms(agentSpeech.length) + 1000),
    );
    caller = await startBaresip({
      source: { wav: await writeWav8k(path.join(dir, "caller.wav"), callerWav) },
      quitAfterSec: 40,
    });
    const uasPort = await freeUdpPort();
    belay = await startSipBelay({
      sipOutbound: () => `sip:{to}@127.0.0.1:${uasPort}`,
      routes: flow.routes,
    });
    uas = await startSipp({
      scenario: { file: "uas_answer_await_bye.xml", tokens: { CALLEE_UL: agentUl, BYE_WITHIN_MS: "30000" } },
      port: belay.sipPort,
      service: AGENT.slice(1),
      timeoutSec: 60,
      localPort: uasPort,
    });
  });

  after(async () => {
    await caller?.quit();
    await caller?.remove();
    await uas?.stop();
    await belay?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the caller hears sipp; after the caller hangs up, POST status terminated ends the conference and BYEs sipp", async (t) => {
    const dialled = await caller.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
    assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
    await caller.nextEvent("CALL_ESTABLISHED", 15_000);
    await caller.nextEvent("CALL_CLOSED", 30_000);
    const callerStatus = await belay.webhook("/status", 5000);
    assert.equal(callerStatus.body.callEndedReason, "farEndHangup", callerStatus.rawBody);

    // sipp is alone in the conference now; the app's operator ends it over REST.
    const server = belay.harness.belay;
    const url = `${server.publicUrl()}/apiserver/Accounts/${server.account.accountId}/Conferences/${flow.conferenceId()}`;
    const ended = await fetch(url, {
      method: "POST",
      headers: { authorization: authOf(server), "content-type": "application/json" },
      body: JSON.stringify({ status: "terminated" }),
    });
    assert.equal(ended.status, 204, await ended.text());
    const sipp = await uas.finished;
    assert.equal(sipp.code, 0, `sipp got Belay's BYE:\n${describeSipp(sipp)}`);
    // Its leaveConferenceUrl continues the call, and the app hangs up.
    const left = await belay.webhook("/agent-left", 5000);
    assert.equal(left.body.requestType, "leaveConference");
    const agentStatus = await belay.webhook("/agent-status", 5000);
    assert.equal(agentStatus.body.callEndedReason, "appHangup", agentStatus.rawBody);
    const recorded = await webhookOfType(belay, "/conference", "conferenceRecordingStatus", 10_000);
    const statuses = belay.app.hits
      .filter((h) => h.body.requestType === "conferenceStatus")
      .map((h) => h.body.status);
    assert.deepEqual(statuses, ["populated", "inProgress", "terminated"]);
    assertWebhooksValid(belay.app.hits);

    await caller.quit();
    const callerHeard = await readWav8k((await caller.dumps()).heard);
    const heardByCaller = find(callerHeard, agentSpeech);
    const recording = await belay.recording(recorded);
    const callerInRecording = find(recording, callerSpeech);
    const agentInRecording = find(recording, agentSpeech);
    t.diagnostic(
      `caller heard sipp: correlation ${heardByCaller.correlation.toFixed(5)}; recording ` +
        `(${ms(recording.length)} ms): caller ${callerInRecording.correlation.toFixed(5)} at ${ms(callerInRecording.lag)} ms, ` +
        `sipp ${agentInRecording.correlation.toFixed(5)} at ${ms(agentInRecording.lag)} ms`,
    );
    assert.ok(heardByCaller.correlation > 0.99, `the caller heard sipp: ${heardByCaller.correlation}`);
    assert.ok(callerInRecording.correlation > 0.99, `the caller recorded: ${callerInRecording.correlation}`);
    assert.ok(agentInRecording.correlation > 0.99, `sipp recorded: ${agentInRecording.correlation}`);
  });
});
