import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { captureFragment } from './features/connection/api/connection.js';
import './styles.css';

// Secrets in the fragment move to sessionStorage before anything renders or logs the URL.
captureFragment();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live views poll every second; one quick retry covers a gateway restart.
      retry: 1,
      refetchOnWindowFocus: false,
      refetchIntervalInBackground: true,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
