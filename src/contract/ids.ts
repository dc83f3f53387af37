import { randomBytes, randomFillSync } from "node:crypto";

/**
 * FreeClimb resource ids are two uppercase letters naming the kind of resource followed by 40
 * lowercase hex digits: AC account, AP application, CA call, RE recording, PN phone number,
 * CF conference, QU queue, RQ request.
 */
export type IdPrefix = "AC" | "AP" | "CA" | "RE" | "PN" | "CF" | "QU" | "RQ";

const ID_PATTERN = /^[A-Z]{2}[0-9a-f]{40}$/;

/** 20 random bytes give the 40 hex digits every FreeClimb id and secret carries. */
function hex40(): string {
  return randomBytes(20).toString("hex");
}

// 48 bits of milliseconds (good until the year 10889), then 112 random bits.
const TIME_HEX_DIGITS = 12;
const RANDOM_ID_BYTES = 14;
// Random bytes drawn a few kilobytes at a time: one randomFillSync per 256 ids, not one per id.
const randomPool = Buffer.alloc(RANDOM_ID_BYTES * 256);
let poolOffset = randomPool.length;

function randomIdHex(): string {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const hex = randomPool.toString("hex", poolOffset, poolOffset + RANDOM_ID_BYTES);
  poolOffset += RANDOM_ID_BYTES;
  return hex;
}

/**
 * A resource id: the prefix, 12 hex digits of the creation time in epoch milliseconds, then 28
 * random hex digits. Time first puts a new row's id next to the last one in the id indexes, so
 * an insert touches the index's last page rather than a random one; with ids random throughout,
 * a call's rows cost SQLite 1.6-1.8× as much (bench/tools/sqlite-commits.ts). The random part
 * keeps ids unguessable; nothing relies on an id being secret (every REST call is authenticated).
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const time = Math.max(0, Math.trunc(now))
    .toString(16)
    .padStart(TIME_HEX_DIGITS, "0")
    .slice(-TIME_HEX_DIGITS);
  return prefix + time + randomIdHex();
}

/** True when `value` is shaped like a FreeClimb id, and starts with `prefix` when one is given. */
export function isId(value: unknown, prefix?: IdPrefix): value is string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) return false;
  return prefix === undefined || value.startsWith(prefix);
}

/** The password half of REST Basic auth (the user is the account id). */
export function newApiKey(): string {
  return hex40();
}

/** An account webhook signing secret, as FreeClimb spells them. */
export function newSigningSecret(): string {
  return `sigsec_${hex40()}`;
}
