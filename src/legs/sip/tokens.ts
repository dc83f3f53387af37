import { randomBytes } from "node:crypto";

/** RFC 3261's magic cookie: a branch starting with it is globally unique and names a transaction. */
export const BRANCH_COOKIE = "z9hG4bK";

export function newBranch(): string {
  return `${BRANCH_COOKIE}${randomBytes(10).toString("hex")}`;
}

/** A From/To tag: 32 random bits at least (RFC 3261 19.3); Belay uses 64. */
export function newTag(): string {
  return randomBytes(8).toString("hex");
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString("hex")}@${host}`;
}
