/** One REST resource for a terminal: `field  value` lines, nested objects as `parent.child`. */
export function record(resource: Record<string, unknown>): string {
  const rows: Array<[string, string]> = [];
  const visit = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) visit(prefix ? `${prefix}.${key}` : key, inner);
      return;
    }
    rows.push([prefix, value === null || value === undefined ? "-" : String(value)]);
  };
  visit("", resource);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n");
}

/** The API's JSON as is, for scripts (`--json`). */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
