import type { Logger } from "pino";
import { routeInbound } from "../calls/inbound-route.js";
import { normalizeE164 } from "../contract/e164.js";
import { newId } from "../contract/ids.js";
import type { Engine } from "../engine/engine.js";
import { openRtpSession } from "../legs/sip/rtp/session.js";
import { MediaWorkers } from "../legs/sip/rtp/worker/media-workers.js";
import { createSdpNegotiator } from "../legs/sip/sdp/negotiator.js";
import { type InboundDecision, SipService, type SipServiceOptions } from "../legs/sip/sip-service.js";
import type { SipTimers } from "../legs/sip/timers.js";
import type { Store } from "../store/types.js";
import { type Clock, RealClock } from "../time/clock.js";
import type { BelayConfig } from "./config.js";
import type { DiskGuard } from "./disk-guard.js";

/**
 * SIP wired to the rest of Belay: an inbound INVITE is routed like a virtual call (the number,
 * its application, its voiceUrl) and runs in the same engine; outbound legs come from the same
 * service. undefined when SIP is off (port 0).
 */
export async function startSip(deps: {
  config: BelayConfig;
  engine: Engine;
  store: Store;
  clock: Clock;
  logger: Logger;
  timers?: SipTimers;
  /** Free disk space against --min-free-disk: INVITEs get 503 while it is low. */
  disk?: DiskGuard | undefined;
}): Promise<SipService | undefined> {
  const { config, engine, store, clock, logger } = deps;
  if (config.sipPort === 0) {
    if (config.sipRegister)
      logger.warn(
        { registrar: config.sipRegister },
        "SIP is off (--sip-port 0): no registration at the registrar",
      );
    await warnOfLeftDialogs(store, logger);
    return undefined;
  }
  const advertiseHost = config.sipHost ?? config.host;
  if (advertiseHost === "0.0.0.0" || advertiseHost === "::") {
    logger.warn(
      { host: config.host },
      "SIP listens on every address but advertises none a peer can reach: set --sip-host (BELAY_SIP_HOST)",
    );
  }
  return SipService.start({
    listenHost: config.host,
    port: config.sipPort,
    advertiseHost,
    maxCalls: config.maxCalls,
    outbound: config.sipOutbound,
    clock,
    logger,
    negotiator: createSdpNegotiator(),
    dialogs: store.sipDialogs,
    ...(deps.timers ? { timers: deps.timers } : {}),
    refusal() {
      const low = deps.disk?.refusal();
      return low && { phrase: "Low Disk Space", message: low.message, retryAfterSec: low.retryAfterSec };
    },
    ...(config.sipOutboundUsername && config.sipOutboundPassword !== undefined
      ? {
          outboundCredentials: { username: config.sipOutboundUsername, password: config.sipOutboundPassword },
        }
      : {}),
    ...(config.sipRegister
      ? {
          register: {
            registrar: config.sipRegister,
            expiresSec: config.sipRegisterExpiresSec,
            username: config.sipOutboundUsername,
          },
        }
      : {}),
    ...mediaOf(config, clock, logger),
    inbound: {
      async route(dialled, caller): Promise<InboundDecision> {
        const to = normalizeE164(dialled);
        const route = to ? await routeInbound(store, to) : undefined;
        if (!to || !route) return { accept: false, status: 404, reason: "No Such Number" };
        // A caller that is a number is E.164 in webhooks; anything else (a SIP user name) as sent.
        const from = normalizeE164(caller) ?? (caller || "anonymous");
        const callId = newId("CA");
        return {
          accept: true,
          callId,
          accountId: route.accountId,
          start(leg, callLogger) {
            const { done } = engine.start({
              ...route,
              callId,
              from,
              to,
              direction: "inbound",
              parentCallId: null,
              leg,
            });
            done.then(
              (outcome) => leg.settle(outcome.reason),
              (err: unknown) => {
                callLogger.error({ err }, "inbound SIP call failed inside Belay");
                leg.settle("internalError");
              },
            );
          },
        };
      },
    },
  });
}

/**
 * SIP is off, so the calls a previous process left up cannot get their BYE now: their rows stay
 * for the next start with SIP on, and the operator is told.
 */
async function warnOfLeftDialogs(store: Store, logger: Logger): Promise<void> {
  const left = await store.sipDialogs.list();
  if (left.length === 0) return;
  logger.warn(
    { dialogs: left.length, sipCallIds: left.map((row) => row.sipCallId) },
    "a previous Belay process left SIP calls up, but SIP is off (--sip-port 0): no BYE sent; they get one at the next start with SIP on",
  );
}

/**
 * Where the calls' RTP runs: on media worker threads on the real clock (docs/rtp.md#media-workers),
 * on the main thread with --media-workers 0 or a simulated clock, whose time only the main
 * thread can move.
 */
function mediaOf(
  config: BelayConfig,
  clock: Clock,
  logger: Logger,
): Pick<SipServiceOptions, "openMedia" | "closeMedia"> {
  if (config.mediaWorkers > 0 && clock instanceof RealClock) {
    const workers = new MediaWorkers({
      count: config.mediaWorkers,
      host: config.host,
      portRange: config.rtpPorts,
      logger: logger.child({ component: "media-workers" }),
      ...(config.mediaWorkerImports ? { imports: config.mediaWorkerImports } : {}),
    });
    workers.warm();
    return { openMedia: (callLogger) => workers.open(callLogger), closeMedia: () => workers.close() };
  }
  return {
    openMedia: (callLogger) =>
      openRtpSession({ host: config.host, portRange: config.rtpPorts, clock, logger: callLogger }),
  };
}
