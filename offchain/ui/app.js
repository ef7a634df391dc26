// Parley explorer: the page's frame. It shows the screen the URL's hash names, asks for an API
// key when the node wants one, and refreshes the open screen when the node has new events.

import { h, api, href, route, KEY } from './api.js';
import { screens } from './screens.js';

const NAV = [
  ['home', 'Home'], ['messages', 'Messages'], ['blocked', 'Blocked topics'], ['events', 'Events'],
  ['subscriptions', 'Subscriptions'], ['tokens', 'Tokens'], ['network', 'Network'],
];

function renderNav(current) {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...NAV.map(([screen, label]) => h('li', {},
    h('a', { href: href(screen), 'aria-current': screen === current ? 'page' : undefined }, label))));
  document.getElementById('ns-input').value = route().ns;
}

/** The open screen's refresh, called when new events arrive (at most once a second), and on
 * every new block for screens that show chain state (`everyBlock`). */
let refresh = null;
let everyBlock = false;
let rendering = 0;

async function render() {
  const r = route();
  const screen = screens[r.screen] ?? screens.notFound;
  renderNav(r.screen);
  const view = document.getElementById('view');
  const token = ++rendering;
  refresh = null;
  everyBlock = false;
  try {
    const next = await screen(r);
    if (token !== rendering) return;
    view.replaceChildren(next.node);
    refresh = next.refresh ?? null;
    everyBlock = next.everyBlock ?? false;
    document.title = `${next.title} · Parley explorer`;
  } catch (e) {
    if (token !== rendering) return;
    view.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, `Cannot show this screen: ${e.message}`));
  }
}

/** Polls the node's status, and refreshes the open screen when a new event appears (or a new
 * block, for a screen that follows the chain). */
let lastEvent = null;
let lastBlock = null;
async function watchEvents() {
  try {
    const status = await api('GET', '/status');
    document.getElementById('node-did').textContent = status.node ?? status.peer_id;
    const newEvent = lastEvent !== null && status.last_event !== lastEvent;
    const newBlock = everyBlock && lastBlock !== null && status.best_block !== lastBlock;
    if ((newEvent || newBlock) && refresh) {
      await refresh();
    }
    lastEvent = status.last_event;
    lastBlock = status.best_block;
  } catch { /* shown by the screen itself */ }
  setTimeout(watchEvents, 1000);
}

function start() {
  document.getElementById('key-form').addEventListener('submit', () => {
    sessionStorage.setItem(KEY, document.getElementById('key-input').value.trim());
    document.getElementById('key-input').value = '';
    document.getElementById('sign-out').hidden = false;
    render();
  });
  document.getElementById('sign-out').hidden = !sessionStorage.getItem(KEY);
  document.getElementById('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  document.getElementById('ns-form').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/${encodeURIComponent(document.getElementById('ns-input').value)}/home`;
  });
  window.addEventListener('hashchange', () => {
    render();
    document.getElementById('view').focus({ preventScroll: true });
  });
  render();
  watchEvents();
}

start();
