import { postJson, rest } from "../api.js";
import { useEditor, useList } from "../forms.js";
import { ErrorLine, FormActions } from "../widgets.js";

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

export function ApplicationsPage() {
  const list = useList<Application>(rest("Applications"), "applications");
  const { editing, setEditing, error, save } = useEditor<Application>(list, (body, editing) =>
    postJson(rest(editing ? `Applications/${editing.applicationId}` : "Applications"), body),
  );
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
        <FormActions editing={editing !== null} create="Create" cancel={() => setEditing(null)} />
      </form>
    </section>
  );
}

export function NumbersPage() {
  const list = useList<PhoneNumber>(rest("IncomingPhoneNumbers"), "incomingPhoneNumbers");
  const apps = useList<Application>(rest("Applications"), "applications");
  const { editing, setEditing, error, save } = useEditor<PhoneNumber>(
    list,
    ({ phoneNumber, alias, applicationId }, editing) =>
      editing
        ? postJson(rest(`IncomingPhoneNumbers/${editing.phoneNumberId}`), {
            alias,
            applicationId: applicationId ?? null,
          })
        : postJson(rest("IncomingPhoneNumbers"), { phoneNumber, alias, applicationId }),
  );
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
          {/* `selected` per option: Preact sets a select's defaultValue before its options exist. */}
          <select name="applicationId">
            <option value="">none</option>
            {apps.items.map((app) => (
              <option
                key={app.applicationId}
                value={app.applicationId}
                selected={editing?.applicationId === app.applicationId}
              >
                {app.alias ?? app.applicationId}
              </option>
            ))}
          </select>
        </label>
        <FormActions editing={editing !== null} create="Add" cancel={() => setEditing(null)} />
      </form>
    </section>
  );
}
