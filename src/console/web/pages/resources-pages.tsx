import { useEffect, useState } from "preact/hooks";
import { belayApi, del, getJson, postJson, rest } from "../api.js";
import { ErrorLine } from "../widgets.js";

interface Application {
  applicationId: string;
  alias: string | null;
  voiceUrl: string | null;
  statusCallbackUrl: string | null;
}
interface PhoneNumber {
  phoneNumberId: string;
  phoneNumber: string;
  alias: string | null;
  applicationId: string | null;
}
interface Device {
  phoneNumber: string;
  mode: string;
  answerAfterMs: number;
  hangupAtMs: number | null;
}

/** A list fetched from `url`'s `key`, reloaded by `reload()`. */
function useList<T>(url: string, key: string): { items: T[]; error: string | null; reload(): void } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    getJson<Record<string, T[]>>(url)
      .then((page) => setItems(page[key] ?? []))
      .catch((err: Error) => setError(err.message));
  }, [url, version]);
  return { items, error, reload: () => setVersion((v) => v + 1) };
}

/** The named fields of a form, trimmed; empty ones left out. */
function fields(event: Event): Record<string, string> {
  event.preventDefault();
  const out: Record<string, string> = {};
  for (const [name, value] of new FormData(event.currentTarget as HTMLFormElement)) {
    const text = String(value).trim();
    if (text) out[name] = text;
  }
  return out;
}

export function ApplicationsPage() {
  const list = useList<Application>(rest("Applications"), "applications");
  const [editing, setEditing] = useState<Application | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (event: Event) => {
    const body = fields(event);
    try {
      await postJson(rest(editing ? `Applications/${editing.applicationId}` : "Applications"), body);
      setEditing(null);
      setError(null);
      (event.target as HTMLFormElement).reset();
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Applications</h1>
      </header>
      <ErrorLine error={list.error ?? error} />
      <table class="list" data-testid="applications">
        <thead>
          <tr>
            <th>Alias</th>
            <th>Voice URL</th>
            <th>Status callback URL</th>
            <th>Application</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((app) => (
            <tr key={app.applicationId}>
              <td>{app.alias}</td>
              <td>{app.voiceUrl}</td>
              <td>{app.statusCallbackUrl}</td>
              <td>
                <code>{app.applicationId}</code>
              </td>
              <td>
                <button type="button" class="link" onClick={() => setEditing(app)}>
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" key={editing?.applicationId ?? "new"} onSubmit={save}>
        <h2>{editing ? `Edit ${editing.alias ?? editing.applicationId}` : "New application"}</h2>
        <label>
          Alias
          <input name="alias" defaultValue={editing?.alias ?? ""} />
        </label>
        <label>
          Voice URL
          <input name="voiceUrl" type="url" defaultValue={editing?.voiceUrl ?? ""} required />
        </label>
        <label>
          Status callback URL
          <input name="statusCallbackUrl" type="url" defaultValue={editing?.statusCallbackUrl ?? ""} />
        </label>
        <div class="actions">
          <button type="submit">{editing ? "Save" : "Create"}</button>
          {editing && (
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

export function NumbersPage() {
  const list = useList<PhoneNumber>(rest("IncomingPhoneNumbers"), "incomingPhoneNumbers");
  const apps = useList<Application>(rest("Applications"), "applications");
  const [editing, setEditing] = useState<PhoneNumber | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (event: Event) => {
    const { phoneNumber, alias, applicationId } = fields(event);
    try {
      if (editing)
        await postJson(rest(`IncomingPhoneNumbers/${editing.phoneNumberId}`), {
          alias,
          applicationId: applicationId ?? null,
        });
      else await postJson(rest("IncomingPhoneNumbers"), { phoneNumber, alias, applicationId });
      setEditing(null);
      setError(null);
      (event.target as HTMLFormElement).reset();
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const appName = (id: string | null) => apps.items.find((a) => a.applicationId === id)?.alias ?? id ?? "";
  return (
    <section>
      <header class="page-head">
        <h1>Numbers</h1>
      </header>
      <ErrorLine error={list.error ?? error} />
      <table class="list" data-testid="numbers">
        <thead>
          <tr>
            <th>Number</th>
            <th>Alias</th>
            <th>Application</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((n) => (
            <tr key={n.phoneNumberId}>
              <td>{n.phoneNumber}</td>
              <td>{n.alias}</td>
              <td>{appName(n.applicationId)}</td>
              <td>
                <button type="button" class="link" onClick={() => setEditing(n)}>
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" key={editing?.phoneNumberId ?? "new"} onSubmit={save}>
        <h2>{editing ? `Edit ${editing.phoneNumber}` : "Add a number"}</h2>
        {!editing && (
          <label>
            Number (E.164)
            <input name="phoneNumber" placeholder="+15550002222" required />
          </label>
        )}
        <label>
          Alias
          <input name="alias" defaultValue={editing?.alias ?? ""} />
        </label>
        <label>
          Application
          <select name="applicationId" defaultValue={editing?.applicationId ?? ""}>
            <option value="">none</option>
            {apps.items.map((app) => (
              <option key={app.applicationId} value={app.applicationId}>
                {app.alias ?? app.applicationId}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit">{editing ? "Save" : "Add"}</button>
          {editing && (
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** Virtual devices: numbers that answer Belay's own outbound calls (OutDial, POST /Calls). */
export function DevicesPage() {
  const list = useList<Device>(belayApi("devices"), "devices");
  const [error, setError] = useState<string | null>(null);
  const add = async (event: Event) => {
    const { phoneNumber, mode, answerAfterSec, hangupAfterSec } = fields(event);
    try {
      await postJson(belayApi("devices"), {
        phoneNumber,
        mode,
        ...(answerAfterSec ? { answerAfterMs: Math.round(Number(answerAfterSec) * 1000) } : {}),
        ...(hangupAfterSec ? { hangupAtMs: Math.round(Number(hangupAfterSec) * 1000) } : {}),
      });
      setError(null);
      (event.target as HTMLFormElement).reset();
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Virtual devices</h1>
      </header>
      <p class="muted">
        A device is a number Belay itself answers when a call dials it: it answers, is busy or never answers.
        Devices cannot be edited through the API: delete one and add it again.
      </p>
      <ErrorLine error={list.error ?? error} />
      <table class="list" data-testid="devices">
        <thead>
          <tr>
            <th>Number</th>
            <th>Mode</th>
            <th>Answers after</th>
            <th>Hangs up at</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((d) => (
            <tr key={d.phoneNumber}>
              <td>{d.phoneNumber}</td>
              <td>{d.mode}</td>
              <td>{d.answerAfterMs / 1000} s</td>
              <td>{d.hangupAtMs === null ? "" : `${d.hangupAtMs / 1000} s`}</td>
              <td>
                <button
                  type="button"
                  class="link danger"
                  onClick={() =>
                    del(belayApi(`devices/${encodeURIComponent(d.phoneNumber)}`))
                      .then(list.reload)
                      .catch((err: Error) => setError(err.message))
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" onSubmit={add}>
        <h2>Add a device</h2>
        <label>
          Number (E.164)
          <input name="phoneNumber" placeholder="+15550003333" required />
        </label>
        <label>
          Mode
          <select name="mode">
            <option value="answer">answer</option>
            <option value="busy">busy</option>
            <option value="noAnswer">noAnswer</option>
          </select>
        </label>
        <label>
          Answers after (seconds)
          <input name="answerAfterSec" type="number" min="0" step="0.1" placeholder="1" />
        </label>
        <label>
          Hangs up after (seconds, optional)
          <input name="hangupAfterSec" type="number" min="0" step="0.1" />
        </label>
        <div class="actions">
          <button type="submit">Add</button>
        </div>
      </form>
    </section>
  );
}
