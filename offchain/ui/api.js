// Parley explorer: what every screen uses. Elements built with DOM calls (`h`), never from
// HTML strings, so that nothing a peer or an app wrote into a message can run as markup here;
// calls to the node's REST API with the operator's API key (kept for this tab only); and the
// hash routes (`#/<namespace>/<screen>/<id>?…`) that let every view be linked to.

/** Where the tab keeps the API key. */
export const KEY = 'parley-explorer-key';

/** Makes an element: `h('a', { href: '#/' }, 'Home')`. Attributes starting with `on` are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = tag === 'svg' || attrs.svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'svg' || value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An SVG element (for charts). */
export const s = (tag, attrs = {}, ...children) => h(tag, { ...attrs, svg: true }, ...children);

/** An error the API answered with. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls the REST API: `api('GET', '/status')`; paths under `ns(…)` are namespaced. */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const key = sessionStorage.getItem(KEY);
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    askForKey(key ? 'The node refused this key.' : '');
    throw new ApiError(401, 'an API key is needed');
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, json?.error ?? `${res.status} ${res.statusText}`);
  return json;
}

/** Downloads a blob through the API (with the key) and hands it to the browser as a file. */
export async function download(path, name) {
  const key = sessionStorage.getItem(KEY);
  const res = await fetch(`/api/v1${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))).error ?? res.statusText);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name || 'blob' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The current route: namespace, screen, id and query. */
export function route() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [ns, screen, ...rest] = path.split('/').map(decodeURIComponent);
  return {
    ns: ns || 'default',
    screen: screen || 'home',
    id: rest.length ? rest.join('/') : undefined,
    query: new URLSearchParams(query),
  };
}

/** A link within the explorer: `link('messages', id)` in the current namespace. */
export function href(screen, id, query) {
  const parts = [route().ns, screen, ...(id === undefined ? [] : [id])].map(encodeURIComponent);
  const q = query ? `?${new URLSearchParams(query)}` : '';
  return `#/${parts.join('/')}${q}`;
}

/** The namespace's API path prefix. */
export const ns = (path = '') => `/namespaces/${encodeURIComponent(route().ns)}${path}`;

/** Asks for confirmation in a modal dialog; resolves true if confirmed. */
export function confirmAction(title, text, action = 'Confirm') {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

/** Opens the key dialog, with why. */
export function askForKey(error) {
  const dialog = document.getElementById('key-dialog');
  document.getElementById('key-error').textContent = error;
  if (!dialog.open) dialog.showModal();
}

