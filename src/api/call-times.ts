/**
 * The startTime / endTime filters of GET /Calls: `YYYY-MM-DD hh:mm:ss`, UTC, as FreeClimb's OpenAPI
 * gives them. startTime=T keeps calls that started at or after T; endTime=T those that ended at or
 * before T (the whole second T included). Belay extension: `FROM..TO`, either side optional, keeps
 * the times in [FROM, TO], both seconds included.
 */
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export const CALL_TIME_FORMAT = "'YYYY-MM-DD hh:mm:ss' (UTC), or a range FROM..TO of those";

/** Epoch ms of `YYYY-MM-DD hh:mm:ss` in UTC, or undefined unless it is exactly that and a real time. */
export function parseCallTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Round-tripping rejects 31 Feb and 25:00.
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ") === text ? ms : undefined;
}

/** Half-open [from, to) bounds in epoch ms for one filter value; undefined when it does not parse. */
export function callTimeBounds(
  text: string,
  kind: "start" | "end",
): { from?: number; to?: number } | undefined {
  const parts = text.split("..");
  if (parts.length > 2) return undefined;
  if (parts.length === 1) {
    const at = parseCallTime(text);
    if (at === undefined) return undefined;
    return kind === "start" ? { from: at } : { to: at + 1000 };
  }
  const [low, high] = parts as [string, string];
  if (low === "" && high === "") return undefined;
  const from = low === "" ? undefined : parseCallTime(low);
  const to = high === "" ? undefined : parseCallTime(high);
  if ((low !== "" && from === undefined) || (high !== "" && to === undefined)) return undefined;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to: to + 1000 } : {}) };
}
