/** The defaults table overlaid with the attributes the app actually set (undefined = not set). */
export function withDefaults<D extends object, A extends object>(defaults: D, attrs: A): D & A {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) merged[key] = value;
  return merged as D & A;
}
