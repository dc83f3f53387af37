import { useEffect } from "preact/hooks";
import { loadSession, session, signOut } from "./api.js";
import { startLive, stopLive } from "./live.js";
import { CallPage } from "./pages/call-page.js";
import { CallsPage } from "./pages/calls-page.js";
import { ConferencePage } from "./pages/conference-page.js";
import { DevicesPage } from "./pages/devices-page.js";
import { PlaceCallPage } from "./pages/place-call-page.js";
import { RecordingsPage } from "./pages/recordings-page.js";
import { ApplicationsPage, NumbersPage } from "./pages/resources-pages.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { go, route } from "./router.js";

const NAV: Array<[string, string]> = [
  ["/calls", "Calls"],
  ["/place", "Place a call"],
  ["/recordings", "Recordings"],
  ["/applications", "Applications"],
  ["/numbers", "Numbers"],
  ["/devices", "Devices"],
];

export function App() {
  useEffect(() => void loadSession(), []);
  const current = session.value;
  useEffect(() => {
    if (current) startLive();
    else stopLive();
  }, [current?.accountId]);
  if (current === undefined) return <p class="loading">Loading…</p>;
  if (current === null) return <SignInPage />;
  const path = route.value;
  return (
    <div class="shell">
      <nav class="sidebar">
        <a class="brand" href="#/calls">
          Belay <span>console</span>
        </a>
        {NAV.map(([href, label]) => (
          <a key={href} href={`#${href}`} class={path.startsWith(href) ? "active" : ""}>
            {label}
          </a>
        ))}
        <div class="account">
          <span class="muted">Signed in as</span>
          <strong data-testid="account-id">{current.alias ?? current.accountId}</strong>
          <code>{current.accountId}</code>
          <button
            type="button"
            class="link"
            onClick={async () => {
              await signOut();
              go("/calls");
            }}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main>{page(path)}</main>
    </div>
  );
}

function page(path: string) {
  const [, section, id] = path.split("/");
  switch (section) {
    case "calls":
      return id ? <CallPage callId={id} /> : <CallsPage />;
    case "conferences":
      return id ? <ConferencePage conferenceId={id} /> : <CallsPage />;
    case "place":
      return <PlaceCallPage />;
    case "recordings":
      return <RecordingsPage selected={id} />;
    case "applications":
      return <ApplicationsPage />;
    case "numbers":
      return <NumbersPage />;
    case "devices":
      return <DevicesPage />;
    default:
      return <CallsPage />;
  }
}
