import { trimLws } from "./lws.js";
/**
 * Splits a header value at the commas that separate list items: not inside a quoted string
 * (where `\` escapes), not inside `<…>`. Items are trimmed; empty items are dropped.
 */
export function splitList(value: string): string[] {
  if (!value.includes(",")) {
    const only = trimLws(value);
    return only === "" ? [] : [only];
  }
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) quoted = false;
    } else if (ch === 0x22) quoted = true;
    else if (ch === 0x3c /* < */) angle = true;
    else if (ch === 0x3e /* > */) angle = false;
    else if (ch === 0x2c /* , */ && !angle) {
      const item = trimLws(value.slice(start, i));
      if (item !== "") items.push(item);
      start = i + 1;
    }
  }
  const last = trimLws(value.slice(start));
  if (last !== "") items.push(last);
  return items;
}
