import type { Pagination } from "../contract/rest.js";
import type { ListOptions, Page } from "../store/types.js";
import { apiError } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  offset: number;
  pageSize: number;
}

/** Reads `cursor` (an opaque token from nextPageUri) and `pageSize` from a query string. */
export function pageRequest(query: Record<string, unknown>): PageRequest {
  const pageSize = query.pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(query.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw apiError("INVALID_REQUEST", `"pageSize" must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
      field: "pageSize",
    });
  }
  if (query.cursor === undefined) return { offset: 0, pageSize };
  const match =
    typeof query.cursor === "string"
      ? /^o(\d{1,9})$/.exec(Buffer.from(query.cursor, "base64url").toString())
      : null;
  if (!match) throw apiError("INVALID_REQUEST", '"cursor" is not a cursor Belay issued', { field: "cursor" });
  return { offset: Number(match[1]), pageSize };
}

export function listOptions(page: PageRequest): ListOptions {
  return { offset: page.offset, limit: page.pageSize };
}

/**
 * The list envelope: total, start, end, page, numPages, pageSize, nextPageUri. `filters` are the
 * query's filters, carried into nextPageUri so the next page lists the same thing.
 */
export function envelope<K extends string, T>(
  result: Page<unknown>,
  page: PageRequest,
  path: string,
  key: K,
  items: T[],
  filters: Record<string, string | readonly string[] | undefined> = {},
): Pagination & { [key in K]: T[] } {
  const { total } = result;
  const end = page.offset + items.length - 1;
  const hasMore = page.offset + items.length < total;
  const cursor = Buffer.from(`o${page.offset + items.length}`).toString("base64url");
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    // A repeated parameter (applicationId=AP1&applicationId=AP2) stays repeated.
    if (typeof value === "string") query.set(name, value);
    else for (const each of value ?? []) query.append(name, each);
  }
  query.set("cursor", cursor);
  query.set("pageSize", String(page.pageSize));
  return {
    total,
    start: page.offset,
    end: Math.max(end, page.offset),
    page: Math.floor(page.offset / page.pageSize),
    numPages: Math.max(1, Math.ceil(total / page.pageSize)),
    pageSize: page.pageSize,
    nextPageUri: hasMore ? `${path}?${query}` : null,
    [key]: items,
  } as Pagination & { [key in K]: T[] };
}
