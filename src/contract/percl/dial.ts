import { z } from "zod";
import { absoluteUrl, count, flag, nonEmptyText, oneOf, text } from "./fields.js";

/** Reaching other numbers from inside a call: a new call leg (OutDial) or a text message (Sms). */

export const outDialAttrs = z.object({
  /** Receives `outDialStart` for the parent call as soon as dialling begins. */
  actionUrl: absoluteUrl(),
  /** Receives `outDialConnect` for the new leg when the attempt ends. */
  callConnectUrl: absoluteUrl(),
  callingNumber: nonEmptyText(),
  destination: nonEmptyText(),
  ifMachine: oneOf(["redirect", "hangup"]).optional(),
  ifMachineUrl: absoluteUrl().optional(),
  sendDigits: text().optional(),
  statusCallbackUrl: absoluteUrl().optional(),
  /** Seconds to wait for an answer. */
  timeout: count().optional(),
  privacyMode: flag().optional(),
});
export type OutDialAttrs = z.output<typeof outDialAttrs>;

export const smsAttrs = z.object({
  to: nonEmptyText(),
  from: nonEmptyText(),
  text: text(),
  notificationUrl: absoluteUrl().optional(),
});
export type SmsAttrs = z.output<typeof smsAttrs>;
