import { signal } from "@preact/signals";

/** Pages are hash routes (#/calls, #/calls/CA…): one HTML page, nothing for the server to route. */
export const route = signal(location.hash.slice(1) || "/calls");

addEventListener("hashchange", () => {
  route.value = location.hash.slice(1) || "/calls";
});

export function go(path: string): void {
  location.hash = path;
}
