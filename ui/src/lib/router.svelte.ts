// The reactive view, kept equal to the address bar: navigate() pushes a history entry
// (so Back works) and the back/forward buttons or an edited URL update the view.
import { formatHash, parseHash, withFilter, type ViewState } from './view.ts';
import type { Filter } from './types.ts';

export const view = $state<ViewState>(parseHash(location.hash));

function sync(): void {
  Object.assign(view, parseHash(location.hash));
}
window.addEventListener('hashchange', sync);
window.addEventListener('popstate', sync);

export function navigate(patch: Partial<ViewState>, options: { replace?: boolean } = {}): void {
  const next: ViewState = { ...$state.snapshot(view), ...patch } as ViewState;
  const hash = formatHash(next);
  if (hash !== location.hash) {
    if (options.replace) history.replaceState(null, '', hash);
    else history.pushState(null, '', hash);
  }
  Object.assign(view, parseHash(hash));
}

/** Changing page drops what belongs to the page left behind (report tab, drill-down, open session). */
export function goToPage(page: ViewState['page']): void {
  navigate({ page, report: undefined, drill: [], session: undefined });
}

export function hrefFor(patch: Partial<ViewState>): string {
  return formatHash({ ...$state.snapshot(view), ...patch } as ViewState);
}

export function addFilter(filter: Filter): void {
  navigate({ filters: withFilter(view.filters, filter) });
}

export function removeFilter(index: number): void {
  navigate({ filters: view.filters.filter((_, i) => i !== index) });
}
