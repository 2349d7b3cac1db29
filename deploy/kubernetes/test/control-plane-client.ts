import { randomBytes } from 'node:crypto';

/** The control plane's browser API as the dashboard uses it: session cookie + CSRF token. */
export class ControlPlaneClient {
  private cookie = '';
  private csrf = '';

  constructor(private readonly baseUrl: string) {}

  async signup(): Promise<void> {
    const email = `k8s-${randomBytes(4).toString('hex')}@example.com`;
    await this.post('/api/auth/signup', { email, password: 'correct horse battery staple' }, 201);
  }

  async createApp(name: string): Promise<string> {
    return ((await this.post('/api/apps', { name }, 201)) as { id: string }).id;
  }

  /** A key allowed everything; returns its id and the `<appId>.<keyId>:<secret>` shown once. */
  async createKey(appId: string): Promise<{ keyId: string; apiKey: string }> {
    const ops = ['subscribe', 'publish', 'presence', 'history', 'metrics'];
    const body = (await this.post(
      `/api/apps/${appId}/keys`,
      { name: 'k8s test', permissions: { '*': ops } },
      201,
    )) as {
      key: { id: string };
      apiKey: string;
    };
    return { keyId: body.key.id, apiKey: body.apiKey };
  }

  async revokeKey(appId: string, keyId: string): Promise<void> {
    await this.post(`/api/apps/${appId}/keys/${keyId}/revoke`, undefined, 200);
  }

  /** Turns the app's user pool (live auth) on, with the given per-user permissions. */
  async enableAuth(appId: string, userPermissions: Record<string, string[]>): Promise<void> {
    await this.send('PATCH', `/api/apps/${appId}/auth`, { enabled: true, userPermissions }, 200);
  }

  private post(path: string, body: unknown, expected: number): Promise<unknown> {
    return this.send('POST', path, body, expected);
  }

  private async send(method: string, path: string, body: unknown, expected: number): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = `rb_session=${this.cookie}`;
    if (this.csrf) headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rb_session='));
    if (cookie) this.cookie = cookie.slice('rb_session='.length).split(';')[0] ?? '';
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    const parsed = text ? (JSON.parse(text) as { csrfToken?: string }) : {};
    if (parsed.csrfToken) this.csrf = parsed.csrfToken;
    return parsed;
  }
}
