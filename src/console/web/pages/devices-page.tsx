import { belayApi, del, postJson } from "../api.js";
import { useEditor, useList } from "../forms.js";
import { ErrorLine, FormActions } from "../widgets.js";

interface Device {
  phoneNumber: string;
  mode: string;
  answerAfterMs: number;
  hangupAtMs: number | null;
}

const MODES = ["answer", "busy", "noAnswer"];
const deviceUrl = (phoneNumber: string) => belayApi(`devices/${encodeURIComponent(phoneNumber)}`);
const ms = (seconds: string) => Math.round(Number(seconds) * 1000);

/** Virtual devices: numbers that answer Belay's own outbound calls (OutDial, POST /Calls). */
export function DevicesPage() {
  const list = useList<Device>(belayApi("devices"), "devices");
  const { editing, setEditing, error, setError, save } = useEditor<Device>(
    list,
    ({ phoneNumber, mode, answerAfterSec, hangupAfterSec }, editing) =>
      editing
        ? // An emptied hang-up field removes the hang-up; the number itself never changes.
          postJson(deviceUrl(editing.phoneNumber), {
            mode,
            answerAfterMs: answerAfterSec ? ms(answerAfterSec) : 1000,
            hangupAtMs: hangupAfterSec ? ms(hangupAfterSec) : null,
          })
        : postJson(belayApi("devices"), {
            phoneNumber,
            mode,
            ...(answerAfterSec ? { answerAfterMs: ms(answerAfterSec) } : {}),
            ...(hangupAfterSec ? { hangupAtMs: ms(hangupAfterSec) } : {}),
          }),
  );
  const remove = (device: Device) =>
    del(deviceUrl(device.phoneNumber))
      .then(() => {
        if (editing?.phoneNumber === device.phoneNumber) setEditing(null);
        list.reload();
      })
      .catch((err: Error) => setError(err.message));
  return (
    <section>
      <header class="page-head">
        <h1>Virtual devices</h1>
      </header>
      <p class="muted">
        A device is a number Belay itself answers when a call dials it: it answers, is busy or never answers.
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
            <tr key={d.phoneNumber} data-device={d.phoneNumber}>
              <td>{d.phoneNumber}</td>
              <td>{d.mode}</td>
              <td>{d.answerAfterMs / 1000} s</td>
              <td>{d.hangupAtMs === null ? "" : `${d.hangupAtMs / 1000} s`}</td>
              <td class="row-actions">
                <button type="button" class="link" onClick={() => setEditing(d)}>
                  Edit
                </button>
                <button type="button" class="link danger" onClick={() => remove(d)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" key={editing?.phoneNumber ?? "new"} onSubmit={save}>
        <h2>{editing ? `Edit ${editing.phoneNumber}` : "Add a device"}</h2>
        {!editing && (
          <label>
            Number (E.164)
            <input name="phoneNumber" placeholder="+15550003333" required />
          </label>
        )}
        <label>
          Mode
          <select name="mode">
            {MODES.map((mode) => (
              // `selected` per option: Preact sets a select's defaultValue before its options exist.
              <option key={mode} value={mode} selected={(editing?.mode ?? "answer") === mode}>
                {mode}
              </option>
            ))}
          </select>
        </label>
        <label>
          Answers after (seconds)
          <input
            name="answerAfterSec"
            type="number"
            min="0"
            step="0.1"
            placeholder="1"
            defaultValue={editing ? String(editing.answerAfterMs / 1000) : ""}
          />
        </label>
        <label>
          Hangs up after (seconds, optional)
          <input
            name="hangupAfterSec"
            type="number"
            min="0"
            step="0.1"
            defaultValue={editing?.hangupAtMs == null ? "" : String(editing.hangupAtMs / 1000)}
          />
        </label>
        <FormActions editing={editing !== null} create="Add" cancel={() => setEditing(null)} />
      </form>
    </section>
  );
}
