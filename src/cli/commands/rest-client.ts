import { apiFetch, type Target } from "../target.js";

/**
 * JSON requests to the target's account, for the resource commands. A refused request throws
 * (apiFetch) with the API's own message, which main.ts prints before exiting non-zero.
 */
export function accountPath(target: Target, rest: string): string {
  return `/apiserver/Accounts/${target.accountId}${rest}`;
}

/** A path segment the user typed (an id): encoded, so it cannot leave its place in the path. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export async function getJson<T>(target: Target, path: string): Promise<T> {
  return (await (await apiFetch(target, path)).json()) as T;
}

export async function postJson<T>(target: Target, path: string, body: unknown): Promise<T> {
  const response = await apiFetch(target, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

export async function deleteResource(target: Target, path: string): Promise<void> {
  await apiFetch(target, path, { method: "DELETE" });
}

/** A query string of the filters given (undefined ones left out), with a leading `?`. */
export function query(filters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== undefined) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}
