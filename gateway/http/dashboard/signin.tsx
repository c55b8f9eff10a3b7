// The only thing a browser without a session sees: a form for the admin key. No lane names, no
// counts, nothing from the store.

import { Shell } from "./layout";

export function SignInPage(p: { nonce: string; now: number; csrf: string; error?: string | null }) {
  return (
    <Shell title="codex-lanes: sign in" nonce={p.nonce} now={p.now}>
      <main>
        <div class="card signin">
          <h1>codex-lanes</h1>
          <form method="post" action="/dashboard/signin" id="signin">
            <label for="key">Admin key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
            <input type="hidden" name="csrf" value={p.csrf} />
            <button type="submit">Sign in</button>
            {p.error ? (
              <p class="err" role="alert">
                {p.error}
              </p>
            ) : null}
          </form>
          <p class="note">
            Use an admin key (<code>codex-lanes keys create &lt;name&gt; --admin</code>) or the deployment's CODEX_LANES_ADMIN_KEY. Client keys do not open the
            dashboard.
          </p>
        </div>
      </main>
    </Shell>
  );
}
