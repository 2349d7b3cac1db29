import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles.css';

// The backend tells where the gateway is; everything else talks to RelayBox directly.
const { url } = (await (await fetch('/api/config')).json()) as { url: string };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App url={url} />
  </StrictMode>,
);
