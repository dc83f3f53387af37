import { useState } from "preact/hooks";
import { signIn } from "../api.js";

export function SignInPage() {
  const [accountId, setAccountId] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="sign-in">
      <form
        class="card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await signIn(accountId, apiKey);
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>
          Belay <span>console</span>
        </h1>
        <p class="muted">
          Sign in with your account id and API key (<code>belay serve</code> prints them when it starts).
        </p>
        <label>
          Account id
          <input
            name="accountId"
            autoComplete="username"
            placeholder="AC…"
            value={accountId}
            onInput={(e) => setAccountId(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autoComplete="current-password"
            value={apiKey}
            onInput={(e) => setApiKey(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
