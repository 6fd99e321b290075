/**
 * The whole page when it was opened without the launch token: nothing else can work, so nothing else is
 * shown. Inside the desktop shell the token comes once the daemon is ready, so it waits instead.
 */
export function NoAccess({ inShell }: { readonly inShell: boolean }) {
  if (inShell) {
    return (
      <section className="no-access" aria-labelledby="no-access-heading">
        <h1 id="no-access-heading">Waiting for the daemon</h1>
        <p>The views open as soon as the daemon is ready; the line above says what it is doing.</p>
      </section>
    );
  }
  return (
    <section className="no-access" role="alert" aria-labelledby="no-access-heading">
      <h1 id="no-access-heading">This page has no token for the daemon</h1>
      <p>
        The daemon only answers pages opened at the address it printed, which carries a token (<code>…/?token=…</code>). This tab was opened
        without it, so it cannot show councils, deliberations or anything else.
      </p>
      <p>
        Open the address that <code>fleet serve</code> or <code>fleet ui</code> printed when it started (the line beginning with{' '}
        <code>ui:</code>). If it is no longer on screen, start the daemon again to get a new one.
      </p>
    </section>
  );
}
