import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppShell } from './components/app-shell.js';
import { AuthTab } from './features/app-auth/components/auth-tab.js';
import { AppListPage } from './features/apps/components/app-list-page.js';
import { AppPage } from './features/apps/components/app-page.js';
import { authKeys } from './features/auth/api/auth.js';
import { AuthPage } from './features/auth/components/auth-page.js';
import { RequireAuth } from './features/auth/components/require-auth.js';
import { KeysTab } from './features/keys/components/keys-tab.js';
import { SettingsTab } from './features/settings/components/settings-tab.js';
import { UsageTab } from './features/usage/components/usage-tab.js';
import { WebhooksTab } from './features/webhooks/components/webhooks-tab.js';
import { createQueryClient } from './lib/query-client.js';

export function App() {
  const [queryClient] = useState(() =>
    createQueryClient({
      // The session ended under us: re-ask who is signed in; the route guard sends a signed-out
      // user to sign in (and back here afterwards). A stale CSRF token is renewed the same way.
      onSessionLost: (client) => {
        if (client.getQueryData(authKeys.me)) void client.invalidateQueries({ queryKey: authKeys.me });
      },
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/signin" element={<AuthPage mode="signin" />} />
          <Route path="/signup" element={<AuthPage mode="signup" />} />
          <Route element={<RequireAuth />}>
            <Route element={<AppShell />}>
              <Route index element={<AppListPage />} />
              <Route path="apps/:appId" element={<AppPage />}>
                <Route index element={<Navigate to="keys" replace />} />
                <Route path="keys" element={<KeysTab />} />
                <Route path="webhooks" element={<WebhooksTab />} />
                <Route path="auth" element={<AuthTab />} />
                <Route path="usage" element={<UsageTab />} />
                <Route path="settings" element={<SettingsTab />} />
              </Route>
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
