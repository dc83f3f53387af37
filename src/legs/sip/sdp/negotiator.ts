import { randomInt } from "node:crypto";
import type { LocalMedia, Negotiated, SdpNegotiator } from "../negotiator.js";
import { parseAnswer } from "./answer.js";
import { buildAnswer, buildOffer, type LocalSdp } from "./build.js";
import { isSdpError } from "./errors.js";
import { negotiate } from "./negotiate.js";
import { parseSdp } from "./parse.js";
import type { SdpSession } from "./session.js";
import type { MediaPlan } from "./types.js";

/**
 * The SIP layer's SdpNegotiator over this module. It keeps, per local RTP endpoint (one per
 * call), the o= session id and a version that grows with each SDP Belay sends (RFC 3264 8), and
 * remembers which offer a plan answers so the answer keeps the offer's m-lines in place.
 */
export function createSdpNegotiator(): SdpNegotiator {
  const origins = new Map<string, LocalSdp>();
  const offers = new WeakMap<MediaPlan, SdpSession>();

  const local = (media: LocalMedia): LocalSdp => {
    const key = `${media.address}:${media.port}`;
    const previous = origins.get(key);
    const next = previous
      ? { ...previous, version: previous.version + 1 }
      : { address: media.address, port: media.port, sessionId: String(randomInt(1, 2 ** 47)), version: 1 };
    // Bounded by the RTP port range: one entry per port ever used.
    origins.set(key, next);
    return next;
  };

  const attempt = (run: () => MediaPlan): Negotiated => {
    try {
      return { ok: true, plan: run() };
    } catch (err) {
      if (isSdpError(err)) return { ok: false, reason: err.reason };
      throw err;
    }
  };

  return {
    negotiate(offer: Buffer): Negotiated {
      let session: SdpSession;
      try {
        session = parseSdp(offer);
      } catch (err) {
        if (isSdpError(err)) return { ok: false, reason: err.reason };
        throw err;
      }
      if (session.audio === undefined) return { ok: false, reason: "no audio stream offered" };
      const result = negotiate(session.audio);
      if ("error" in result) return { ok: false, reason: result.error.reason };
      offers.set(result.plan, session);
      return { ok: true, plan: result.plan };
    },
    answer(plan: MediaPlan, media: LocalMedia): Buffer {
      return Buffer.from(buildAnswer(plan, local(media), offers.get(plan)));
    },
    offer(media: LocalMedia): Buffer {
      return Buffer.from(buildOffer(local(media)));
    },
    accept(answer: Buffer): Negotiated {
      // Belay's offer is always the same formats (buildOffer), so the answer is judged against it.
      return attempt(() => parseAnswer(OFFER, answer));
    },
  };
}

const OFFER = parseSdp(buildOffer({ address: "127.0.0.1", port: 9, sessionId: "0", version: 0 }));
