// .svelte files as TypeScript sees them from .ts modules (Svelte compiles them itself).
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
