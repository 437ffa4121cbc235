// Wharf's web console: a hash router over pages that call the public APIs (api.js). Each page
// renders once, then refreshes its live parts every few seconds while it is shown.
import * as api from './api.js';
import { h, fill, announce, clearStaleAnnouncement } from './ui.js';
import { clustersPage, clusterPage } from './clusters.js';
import { servicePage } from './service.js';
import { taskPage } from './task.js';
import { familiesPage, familyPage, revisionPage } from './taskdefs.js';

const REFRESH_MS = 3000;
const main = document.getElementById('main');
const who = document.getElementById('who');
const signOutButton = document.getElementById('sign-out');
let current = { token: 0, timer: null };
let signedIn = null;

const routes = [
  [/^\/?$/, () => clustersPage()],
  [/^\/clusters\/([^/]+)$/, (m) => clusterPage(m[1], 'services')],
  [/^\/clusters\/([^/]+)\/(tasks|nodes)$/, (m) => clusterPage(m[1], m[2])],
  [/^\/clusters\/([^/]+)\/services\/([^/]+)$/, (m) => servicePage(m[1], m[2])],
  [/^\/clusters\/([^/]+)\/tasks\/([^/]+)$/, (m) => taskPage(m[1], m[2])],
  [/^\/taskdefs$/, () => familiesPage()],
  [/^\/taskdefs\/([^/]+)$/, (m) => familyPage(m[1])],
  [/^\/taskdefs\/([^/]+)\/(\d+)$/, (m) => revisionPage(m[1], Number(m[2]))],
];

async function show() {
  clearInterval(current.timer);
  const token = ++current.token;
  clearStaleAnnouncement();
  if (!signedIn) {
    let state;
    try {
      state = await api.session();
    } catch (error) {
      // The controller did not answer (even after the retries): say so, and offer to try again.
      const again = h('button', { type: 'button' }, 'Try again');
      again.addEventListener('click', () => show());
      fill(main, h('h1', { tabindex: -1 }, 'The controller did not answer'),
        h('p', { class: 'error' }, String(error.message || error)), again);
      main.setAttribute('aria-busy', 'false');
      return;
    }
    if (!state.signedIn) return signInPage();
    signedIn = state;
    who.textContent = `${state.accessKeyId || 'no sign-in needed'} · ${state.region}`;
    signOutButton.hidden = !state.signatures;
  }
  const path = decodeURI(location.hash.replace(/^#/, '')) || '/';
  const route = routes.find(([pattern]) => pattern.test(path));
  main.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = route
      ? await route[1](path.match(route[0]).map((part) => (part === undefined ? part : decodeURIComponent(part))))
      : { title: 'Not found', body: h('p', {}, 'No page here. ', h('a', { href: '#/' }, 'Clusters')) };
  } catch (error) {
    const body = h('p', { class: 'error' }, `${error.type || 'Error'}: ${error.message}`);
    page = { title: 'Something went wrong', body };
  }
  if (token !== current.token) return;
  document.title = `${page.title} · Wharf`;
  const heading = h('h1', { tabindex: -1 }, page.title);
  fill(main, heading, page.body);
  main.setAttribute('aria-busy', 'false');
  // How many pages were shown: what a benchmark waits on (Benchmarks/console-pages.py).
  main.dataset.rendered = String(token);
  markNavigation(path);
  heading.focus();
  if (page.update) {
    current.timer = setInterval(async () => {
      if (document.hidden || token !== current.token) return;
      try {
        await page.update();
      } catch (error) {
        announce(`Refresh failed: ${error.type || 'Error'}: ${error.message}`, true);
      }
    }, REFRESH_MS);
  }
}

function markNavigation(path) {
  for (const anchor of document.querySelectorAll('header nav a')) {
    const target = anchor.getAttribute('href').slice(1);
    const active = target === '/' ? !path.startsWith('/taskdefs') : path.startsWith(target);
    if (active) anchor.setAttribute('aria-current', 'page');
    else anchor.removeAttribute('aria-current');
  }
}

function signInPage(reason) {
  clearInterval(current.timer);
  current.token++;
  signedIn = null;
  who.textContent = '';
  signOutButton.hidden = true;
  document.title = 'Sign in · Wharf';
  const message = h('p', { class: 'form-message', role: 'alert' }, reason || '');
  const id = h('input', {
    id: 'access-key-id',
    name: 'accessKeyId',
    autocomplete: 'username',
    required: true,
    spellcheck: 'false',
  });
  const secret = h('input', {
    id: 'secret-access-key',
    name: 'secretAccessKey',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const signInForm = h(
    'form',
    { class: 'panel-form sign-in', 'aria-label': 'Sign in' },
    h('div', { class: 'field' }, h('label', { for: 'access-key-id' }, 'Access key ID'), id),
    h('div', { class: 'field' }, h('label', { for: 'secret-access-key' }, 'Secret access key'), secret),
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
  signInForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      await api.signIn(id.value.trim(), secret.value);
      secret.value = '';
      await show();
    } catch (error) {
      message.textContent = error.message || 'Cannot sign in.';
    }
  });
  const heading = h('h1', { tabindex: -1 }, 'Sign in to Wharf');
  fill(
    main,
    heading,
    h('p', {}, 'Use an access key pair of this controller, as the AWS CLI does (wharf keys create makes one).'),
    signInForm,
  );
  id.focus();
}

// The skip link moves the focus to the content; following its href would change the route.
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
api.whenSignedOut((reason) => signInPage(reason));
signOutButton.addEventListener('click', async () => {
  await api.signOut();
  location.hash = '#/';
  signInPage('Signed out.');
});
window.addEventListener('hashchange', show);
show();
