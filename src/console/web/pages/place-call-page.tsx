import { useEffect, useState } from "preact/hooks";
import { getJson, postJson, rest } from "../api.js";
import { parseKeysScript } from "../keys-script.js";
import { MicrophoneField } from "../microphone-field.js";
import { go } from "../router.js";
import { ErrorLine } from "../widgets.js";

interface NumberItem {
  phoneNumber: string;
  alias: string | null;
  applicationId: string | null;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function fileToBase64(file: File): Promise<string> {
  return base64(new Uint8Array(await file.arrayBuffer()));
}

/** A virtual inbound call: to one of the account's numbers or straight at an app's URL. */
export function PlaceCallPage() {
  const [numbers, setNumbers] = useState<NumberItem[]>([]);
  const [target, setTarget] = useState<"number" | "url">("url");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [micWav, setMicWav] = useState<Uint8Array | null>(null);
  useEffect(() => {
    getJson<{ incomingPhoneNumbers: NumberItem[] }>(rest("IncomingPhoneNumbers"))
      .then((page) => {
        setNumbers(page.incomingPhoneNumbers);
        if (page.incomingPhoneNumbers.length > 0) setTarget("number");
      })
      .catch(() => undefined);
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    setError(null);
    setBusy(true);
    try {
      const wav = form.get("wav");
      const hangup = text("hangupAfterSec");
      const body = {
        from: text("from"),
        to: target === "number" ? text("number") : text("to"),
        ...(target === "url" ? { appUrl: text("appUrl") } : {}),
        ...(micWav
          ? { wav: base64(micWav) }
          : wav instanceof File && wav.size > 0
            ? { wav: await fileToBase64(wav) }
            : {}),
        dtmf: parseKeysScript(text("keys")),
        ...(hangup ? { hangupAtMs: Math.round(Number(hangup) * 1000) } : {}),
        fast: form.get("fast") === "on",
      };
      const { callId } = await postJson<{ callId: string }>("/console/api/virtual-calls", body);
      go(`/calls/${callId}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Place a virtual call</h1>
      </header>
      <p class="muted">
        A caller with no phone: Belay rings your app, plays the WAV as the caller's voice, presses the keys
        and hangs up when told. On simulated time the whole call runs in milliseconds.
      </p>
      <form class="card form" onSubmit={submit}>
        <fieldset class="choice">
          <label>
            <input
              type="radio"
              name="target"
              checked={target === "number"}
              onChange={() => setTarget("number")}
            />
            One of my numbers
          </label>
          <label>
            <input type="radio" name="target" checked={target === "url"} onChange={() => setTarget("url")} />
            An app's URL
          </label>
        </fieldset>
        {target === "number" ? (
          <label>
            Number
            <select name="number" required>
              {numbers.map((n) => (
                <option key={n.phoneNumber} value={n.phoneNumber}>
                  {n.phoneNumber} {n.alias ? `(${n.alias})` : ""}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <>
            <label>
              App voice URL
              <input name="appUrl" type="url" placeholder="http://127.0.0.1:3000/voice" required />
            </label>
            <label>
              To
              <input name="to" defaultValue="+15550002222" required />
            </label>
          </>
        )}
        <label>
          From (the caller)
          <input name="from" defaultValue="+15550001111" required />
        </label>
        <label>
          Caller's voice (WAV, optional)
          <input name="wav" type="file" accept=".wav,audio/wav" disabled={micWav !== null} />
        </label>
        <MicrophoneField onTake={setMicWav} />
        <label>
          Keys to press <span class="muted">keys@seconds, e.g. 1234#@3 9@7.5</span>
          <input name="keys" placeholder="1@2 #@4" />
        </label>
        <label>
          Hang up after (seconds, optional)
          <input name="hangupAfterSec" type="number" min="0" step="0.1" />
        </label>
        <label class="check">
          <input name="fast" type="checkbox" defaultChecked />
          Simulated time (the call runs as fast as the app answers)
        </label>
        <ErrorLine error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Placing…" : "Place the call"}
        </button>
      </form>
    </section>
  );
}
