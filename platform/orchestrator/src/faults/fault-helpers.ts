import { OrchestratorError } from '../engine.js';

/** The gateways share connection snapshots about once a second: a new connection may be unknown that long. */
const NOT_FOUND_RETRY_MS = 3000;

/**
 * `client.expire-token`: asks the stack's admin API to close the connection as if its token expired
 * now (`POST /v1/admin/connections/:id/expire`; the owning gateway closes it with 4101).
 */
export async function expireConnection(
  target: { admin: string; adminToken: string } | undefined,
  connectionId: string,
): Promise<string> {
  if (!target) throw new OrchestratorError('stack_not_running', 'the stack is not up');
  const deadline = Date.now() + NOT_FOUND_RETRY_MS;
  for (;;) {
    const res = await fetch(`${target.admin}/connections/${encodeURIComponent(connectionId)}/expire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.adminToken}` },
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json().catch(() => ({}))) as { gateway?: string; error?: { message?: string } };
    if (res.ok) return `token of ${connectionId} expired on ${body.gateway ?? 'its gateway'}`;
    if (res.status === 404 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    if (res.status === 404)
      throw new OrchestratorError('service_not_found', `no connection "${connectionId}" on the stack`);
    throw new OrchestratorError(
      'dependency_unavailable',
      `the admin API refused to expire "${connectionId}": ${body.error?.message ?? `HTTP ${res.status}`}`,
    );
  }
}
