import { mount } from 'svelte';
import App from './App.svelte';
import { applyTheme, theme } from './lib/theme.svelte.ts';
import { view } from './lib/router.svelte.ts';
import { loadPage } from './pages.ts';
import './app.css';

applyTheme(theme.choice);
// Start fetching the first page's chunk while the app signs in and loads properties.
void loadPage(view.page).catch(() => undefined);

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
mount(App, { target });
