import { z } from "zod";
import { absoluteUrl, text } from "./fields.js";

/** Commands that end the call or hand control elsewhere. */

export const hangupAttrs = z.object({
  /** Free text chosen by the app; FreeClimb only logs it. */
  reason: text().optional(),
});
export type HangupAttrs = z.output<typeof hangupAttrs>;

/** Declines an inbound call before it is answered. */
export const rejectAttrs = z.object({
  reason: text().optional(),
});
export type RejectAttrs = z.output<typeof rejectAttrs>;

export const redirectAttrs = z.object({
  /** Receives a `redirect` webhook and answers with the script that continues the call. */
  actionUrl: absoluteUrl(),
});
export type RedirectAttrs = z.output<typeof redirectAttrs>;

export const parkAttrs = z.object({
  /** Its script is played, and re-requested, while the call is parked. */
  waitUrl: absoluteUrl(),
  /** Its script runs once the call is unparked. */
  actionUrl: absoluteUrl(),
  notificationUrl: absoluteUrl().optional(),
});
export type ParkAttrs = z.output<typeof parkAttrs>;

export const unparkAttrs = z.object({});
export type UnparkAttrs = z.output<typeof unparkAttrs>;
