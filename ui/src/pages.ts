// Each page is its own chunk, loaded when first visited: the initial JavaScript holds
// only the frame, the login and the shared pieces.
import type { Component } from 'svelte';
import type { Page } from './lib/view.ts';

type PageModule = { default: Component };

const loaders: Record<Page, () => Promise<PageModule>> = {
  overview: () => import('./pages/Overview.svelte'),
  realtime: () => import('./pages/Realtime.svelte'),
  acquisition: () => import('./pages/Acquisition.svelte'),
  behaviour: () => import('./pages/Behaviour.svelte'),
  audience: () => import('./pages/Audience.svelte'),
  ecommerce: () => import('./pages/Ecommerce.svelte'),
  sessions: () => import('./pages/Sessions.svelte'),
  admin: () => import('./pages/Admin.svelte'),
};

const loaded = new Map<Page, Promise<PageModule>>();

export function loadPage(page: Page): Promise<PageModule> {
  let promise = loaded.get(page);
  if (!promise) {
    promise = loaders[page]();
    // A failed chunk load (deploy in between) may be retried on the next visit.
    promise.catch(() => loaded.delete(page));
    loaded.set(page, promise);
  }
  return promise;
}
