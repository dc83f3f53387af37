/** Trims SP and HTAB only: String.prototype.trim would also eat a U+FEFF or U+00A0 that is part of a value. */
export function trimLws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isLws(text.charCodeAt(start))) start++;
  while (end > start && isLws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isLws(ch: number): boolean {
  return ch === 0x20 || ch === 0x09;
}
