import { z } from "zod";
import type { Pagination } from "../contract/rest.js";
import type { Page } from "../store/types.js";
import { apiError } from "./errors.js";
import { MAX_PQL_LENGTH } from "./log-query.js";
import { pageRequest } from "./paging.js";
import { pageQuery } from "./schemas.js";

/**
 * Where a log listing is: its offset, the snapshot it lists (entries stored after the first page
 * stay out, so pages do not shift while calls keep logging), and the filter of a `POST /Logs`,
 * so that `GET /Logs?cursor=…` (what FreeClimb's SDK and CLI send for the next page) goes on
 * with the same filter.
 */
export interface LogPosition {
  offset: number;
  snapshot?: number;
  pql?: string;
}

const cursorShape = z.object({
  o: z.int().min(0).max(1e9),
  s: z.int().min(0),
  q: z.string().max(MAX_PQL_LENGTH).optional(),
});

/** `cursor` may carry a filter, so it is longer than other lists' cursors. */
export const logPageQuery = z.object({
  cursor: z.string().max(12_000).optional().describe("opaque, from a previous page's nextPageUri"),
  pageSize: pageQuery.shape.pageSize,
});

/** The page size as every list reads it (1–1000, default 100). */
export function logPageSize(query: { pageSize?: string | undefined }): number {
  return pageRequest({ pageSize: query.pageSize }).pageSize;
}

export function logPosition(cursor: string | undefined): LogPosition {
  if (cursor === undefined) return { offset: 0 };
  let decoded: z.infer<typeof cursorShape> | undefined;
  try {
    decoded = cursorShape.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    decoded = undefined;
  }
  if (!decoded)
    throw apiError("INVALID_REQUEST", '"cursor" is not a cursor Belay issued', { field: "cursor" });
  return { offset: decoded.o, snapshot: decoded.s, ...(decoded.q !== undefined ? { pql: decoded.q } : {}) };
}

/** The list envelope of FreeClimb's LogList; nextPageUri carries the snapshot and the filter. */
export function logEnvelope<T>(
  result: Page<unknown> & { snapshot: number },
  position: LogPosition,
  pageSize: number,
  path: string,
  logs: T[],
): Pagination & { logs: T[] } {
  const { total } = result;
  const { offset } = position;
  const next = offset + logs.length;
  const cursor = Buffer.from(
    JSON.stringify({
      o: next,
      s: result.snapshot,
      ...(position.pql !== undefined ? { q: position.pql } : {}),
    }),
  ).toString("base64url");
  const query = new URLSearchParams({ cursor, pageSize: String(pageSize) });
  return {
    total,
    start: offset,
    end: Math.max(offset + logs.length - 1, offset),
    page: Math.floor(offset / pageSize),
    numPages: Math.max(1, Math.ceil(total / pageSize)),
    pageSize,
    nextPageUri: next < total ? `${path}?${query}` : null,
    logs,
  };
}
