import { verifySignature } from "../contract/signature.js";
import type { SentWebhook } from "./webhook-log.js";

/**
 * Whether a webhook's FreeClimb-Signature verifies against its body with the signing secret, as
 * an app checks it (timestamp within 5 minutes of `nowMs`).
 */
export function signatureVerifies(webhook: SentWebhook, signingSecret: string, nowMs = Date.now()): boolean {
  if (!webhook.signature) return false;
  return verifySignature(webhook.signature, webhook.rawBody, [signingSecret], Math.floor(nowMs / 1000)).ok;
}
