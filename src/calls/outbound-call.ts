import { newId } from "../contract/ids.js";
import type { Call, CallOutcome } from "../engine/call.js";
import type { Engine } from "../engine/engine.js";
import type { OutboundLeg } from "../engine/leg.js";
import type { Dialer, DialRequestFor } from "../engine/ports.js";
import type { CallerScript } from "../legs/virtual/script.js";
import { type CalleeAnswer, VirtualCallee } from "../legs/virtual/virtual-callee.js";
import type { BlobStore } from "../store/blob-store.js";
import type { CallRow, DeviceRow, Store } from "../store/types.js";
import { loadDeviceAudio } from "./device-audio.js";

export interface OutboundCallRequest {
  accountId: string;
  from: string;
  to: string;
  applicationId: string | null;
  parentCallId: string | null;
  callConnectUrl: string;
  statusCallbackUrl: string | null;
  timeoutMs: number;
  sendDigits?: string;
}

/** SIP outbound as POST /Calls sees it (src/legs/sip/sip-service.ts). */
export interface OutboundSip {
  readonly dialsOut: boolean;
  /** A leg to dial `to` over SIP, or why there is none. */
  outboundLeg(callId: string, from: string, to: string, accountId: string): Promise<OutboundLeg | string>;
}

export interface PlacedCall {
  call: Call;
  /** The call's row as first stored: status queued. */
  row: CallRow;
  done: Promise<CallOutcome>;
}

/**
 * Places a call from the REST API (direction outboundAPI) on Belay's own clock, in the background.
 * `to` reaches the account's virtual device with that number; any other number is dialled over SIP
 * when --sip-outbound is set; otherwise the call fails, as a number that does not exist would.
 */
export async function placeOutboundCall(
  deps: { engine: Engine; store: Store; blobs: BlobStore; sip?: OutboundSip | undefined },
  request: OutboundCallRequest,
): Promise<PlacedCall> {
  const { engine, store } = deps;
  const clock = engine.deps.clock;
  const callId = newId("CA");
  const leg = await createDialer(deps).outboundLeg({ ...request, callId, clock });
  const number = await store.numbers.findByNumber(request.from);
  const { call, done } = engine.start({
    accountId: request.accountId,
    callId,
    from: request.from,
    to: request.to,
    direction: "outboundAPI",
    parentCallId: request.parentCallId,
    applicationId: request.applicationId,
    phoneNumberId: number?.accountId === request.accountId ? number.phoneNumberId : null,
    firstUrl: request.callConnectUrl,
    fallbackUrl: null,
    statusCallbackUrl: request.statusCallbackUrl,
    leg,
    dial: {
      timeoutMs: request.timeoutMs,
      ...(request.sendDigits ? { sendDigits: request.sendDigits } : {}),
    },
  });
  // Nobody awaits a background call: a failure to store it is logged, not left unhandled.
  done.catch((err: unknown) => engine.deps.logger.error({ err, callId: call.id }, "outbound call failed"));
  return { call, row: await call.stored, done };
}

/**
 * Where calls Belay places go, for POST /Calls and OutDial alike: `to` reaches the account's
 * virtual device with that number; any other number is dialled over SIP when --sip-outbound is
 * set; otherwise the leg fails the call with the reason, as a number that does not exist would.
 */
export function createDialer(deps: {
  store: Store;
  blobs: BlobStore;
  sip?: OutboundSip | undefined;
}): Dialer {
  return {
    async outboundLeg(request: DialRequestFor): Promise<OutboundLeg> {
      const { clock } = request;
      const device = await deps.store.devices.get(request.accountId, request.to);
      if (device) return new VirtualCallee(clock, await deviceScript(deps.blobs, device), answersOf(device));
      const unreachable = (message: string) => new VirtualCallee(clock, {}, { kind: "unreachable", message });
      if (!deps.sip?.dialsOut)
        return unreachable(`no virtual device ${request.to} in this account: the call failed`);
      const leg = await deps.sip.outboundLeg(request.callId, request.from, request.to, request.accountId);
      return typeof leg === "string" ? unreachable(`the SIP call to ${request.to} failed: ${leg}`) : leg;
    },
  };
}

function answersOf(device: DeviceRow): CalleeAnswer {
  if (device.mode === "busy") return { kind: "busy" };
  if (device.mode === "noAnswer") return { kind: "noAnswer" };
  return { kind: "answer", afterMs: device.answerAfterMs };
}

async function deviceScript(blobs: BlobStore, device: DeviceRow): Promise<CallerScript> {
  const script: CallerScript = { audioAtMs: device.audioAtMs, dtmf: device.dtmf };
  if (device.audioBlobKey) script.audio = await loadDeviceAudio(blobs, device.audioBlobKey);
  if (device.hangupAtMs !== null) script.hangupAtMs = device.hangupAtMs;
  return script;
}
