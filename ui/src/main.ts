import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

async function start(): Promise<void> {
  // `npm run dev` in a plain browser with ?mock: a fake core, so the window can be
  // worked on without the Rust side. Compiled out of production builds.
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { installMockCore } = await import('./lib/ipc/mock');
    installMockCore(new URLSearchParams(window.location.search));
  }
  // Before anything is laid out: app.css gives Linux a shorter list of fonts to look for.
  if (navigator.userAgent.includes('Linux')) document.documentElement.dataset.platform = 'linux';
  const target = document.getElementById('app');
  if (target === null) throw new Error('index.html has no #app element');
  mount(App, { target });
}

void start();
