import { signal } from "@preact/signals";

/** Who is signed in, and the token every state-changing request echoes (see docs/console.md). */
export interface Session {
  accountId: string;
  alias: string | null;
  csrfToken: string;
}

/** undefined: not known yet (the page is asking); null: signed out. */
export const session = signal<Session | null | undefined>(undefined);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function send(method: string, url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (method !== "GET" && session.value) headers["x-belay-csrf"] = session.value.csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status === 401 && url !== "/console/api/session") session.value = null;
  if (!response.ok) {
    const text = await response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not JSON: the status line says enough.
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function getJson<T>(url: string): Promise<T> {
  return (await send("GET", url)).json() as Promise<T>;
}

export async function postJson<T>(url: string, body: unknown = {}): Promise<T> {
  const response = await send("POST", url, body);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export async function del(url: string): Promise<void> {
  await send("DELETE", url);
}

/** The account's REST API through the console's bridge: `rest("Calls")` → /apiserver/Accounts/{me}/Calls. */
export const rest = (path: string) => `/console/api/rest/${path}`;
export const belayApi = (path: string) => `/console/api/belay/${path}`;

export async function loadSession(): Promise<void> {
  try {
    session.value = await getJson<Session>("/console/api/session/current");
  } catch {
    session.value = null;
  }
}

export async function signIn(accountId: string, apiKey: string): Promise<void> {
  session.value = await postJson<Session>("/console/api/session", { accountId, apiKey });
}

export async function signOut(): Promise<void> {
  await del("/console/api/session/current");
  session.value = null;
}
