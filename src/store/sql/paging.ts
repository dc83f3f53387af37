import { BelayError } from "../../errors.js";
import type { ListOptions } from "../types.js";

export const DEFAULT_PAGE_LIMIT = 100;

export interface PageBounds {
  offset: number;
  limit: number;
}

/** Offset 0 and limit 100 unless given; anything but a non-negative integer is a caller bug. */
export function pageBounds(page: ListOptions | undefined): PageBounds {
  const offset = page?.offset ?? 0;
  const limit = page?.limit ?? DEFAULT_PAGE_LIMIT;
  for (const [name, value] of [
    ["offset", offset],
    ["limit", limit],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new BelayError(
        "STORE_PAGE_INVALID",
        `page ${name} must be a non-negative integer, got ${value}`,
        {
          [name]: value,
        },
      );
    }
  }
  return { offset, limit };
}
