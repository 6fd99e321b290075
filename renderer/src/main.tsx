import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createFleetApi, readAccess } from './api.js';
import { App } from './app/App.js';
import './styles.css';

const access = readAccess(window.location, window.sessionStorage, window.history);
const api = createFleetApi(access);
const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App api={api} tokenMissing={access.token === ''} />
    </StrictMode>,
  );
}
