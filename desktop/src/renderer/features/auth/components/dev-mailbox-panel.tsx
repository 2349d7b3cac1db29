import type { AdminDevMail } from '@relaybox/protocol';
import { formatTime } from '../../../lib/format.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useDevMailbox } from '../api/auth.js';

/**
 * The app's dev mailbox: every mail the auth service sent while no SMTP server is configured, newest
 * first, refreshed every second. The text body is shown (never the HTML, which would run in the
 * console's origin) and each of its links is clickable.
 */
export function DevMailboxPanel({ appId }: { appId: string }) {
  const query = useDevMailbox(appId);
  const mails = query.data?.items ?? [];
  return (
    <section className="panel" aria-label="dev mailbox">
      <header className="panel-head">
        <h2>
          Dev mailbox <span className="count">{mails.length}</span>
        </h2>
      </header>
      <QueryState query={query} label="mails">
        {mails.length === 0 ? (
          <Empty>No mail sent yet: sign-up verification and password reset mails land here.</Empty>
        ) : (
          <ol className="events">
            {mails.map((mail) => (
              <Mail key={mail.id} mail={mail} />
            ))}
          </ol>
        )}
      </QueryState>
    </section>
  );
}

function Mail({ mail }: { mail: AdminDevMail }) {
  return (
    <li data-testid="dev-mail" data-to={mail.to}>
      <details>
        <summary>
          <span className="muted mono">{formatTime(mail.time)}</span> <strong>{mail.subject}</strong>{' '}
          <span className="muted">to {mail.to}</span>
        </summary>
        <pre className="data" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {mail.text}
        </pre>
      </details>
      {mail.links.length > 0 && (
        <ul className="mail-links">
          {mail.links.map((link) => (
            <li key={link}>
              <a href={link} target="_blank" rel="noreferrer noopener" data-testid="mail-link">
                {link}
              </a>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
