import { DASHBOARD_SIGNALS_PART } from './dashboard-signals.part';
import { DASHBOARD_FORMAT_PART } from './dashboard-format.part';
import { DASHBOARD_FILTERS_PART } from './dashboard-filters.part';
import { DASHBOARD_LIST_PART } from './dashboard-list.part';
import { DASHBOARD_DETAIL_PART } from './dashboard-detail.part';
import { DASHBOARD_TIMELINE_PART } from './dashboard-timeline.part';
import { DASHBOARD_ACTIONS_PART } from './dashboard-actions.part';

/**
 * The dashboard's script, served as `app.js`. Plain browser JavaScript, no framework and no build
 * step. Every value that comes from the store reaches the page through `textContent` (or a DOM
 * property), never as HTML, so a step result holding `<script>` is shown as text.
 *
 * It is kept as a string (written without template literals inside) so that the package needs no
 * asset copying and works however the app is bundled. Its parts, one role each, are spliced in
 * inside its closure, where they share its state and helpers: signals, formatting, filters, the
 * list, the detail pane, its timeline and its actions (`dashboard-*.part.ts`); this file holds the
 * state, the API call, the refresh loop and the start.
 */
export const DASHBOARD_SCRIPT = String.raw`(() => {
  'use strict';

  const STATUSES = ['idle', 'running', 'failed', 'compensating', 'finished', 'aborted', 'cancelled'];
  const CANCELLABLE = ['idle', 'running', 'failed'];
  const RETRYABLE = ['aborted', 'failed', 'cancelled'];
  const ENDED = ['finished', 'aborted', 'cancelled'];
  const PAGE_SIZE = 50;
  const MAX_PAGE_SIZE = 500;
  const REFRESH_MS = 2000;

  // The API sits beside this script, wherever the app mounted the dashboard.
  const base = new URL('.', document.currentScript.src);

  const state = {
    status: '',
    name: '',
    version: '',
    waiting: '',
    // Priority and key, like the other filters, are the list API's (filtered by the store).
    priority: '',
    key: '',
    selected: undefined,
    rows: [],
    nextCursor: undefined,
  };
  let listGeneration = 0;
  // A "More" under way: the periodic reload waits for it rather than discard it.
  let appending = false;
  let detailGeneration = 0;
  let renderedList = '';
  let renderedDetail = '';
  // The id the detail pane is about: its workflow, or the message that it was not found.
  let shownId;

  const byId = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const node = el('button', className, text);
    node.type = 'button';
    node.addEventListener('click', onClick);
    return node;
  }

  async function api(path, method, sent) {
    const headers = { Accept: 'application/json' };
    if (method === 'POST') headers['X-Lidex-Dashboard'] = '1';
    if (sent !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(new URL(path, base), {
      method: method || 'GET',
      headers,
      body: sent === undefined ? undefined : JSON.stringify(sent),
      credentials: 'same-origin',
      // Under the page's own policy (no-referrer) the Fetch standard sends a POST with
      // "Origin: null", which the dashboard refuses; its own origin may see its own address.
      referrerPolicy: 'same-origin',
      cache: 'no-store',
    });
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = new Error(
        body && body.message
          ? [].concat(body.message).join('; ')
          : response.status + ' ' + response.statusText,
      );
      error.status = response.status;
      throw error;
    }
    return body;
  }

${DASHBOARD_SIGNALS_PART}
${DASHBOARD_FORMAT_PART}
${DASHBOARD_FILTERS_PART}
${DASHBOARD_LIST_PART}
${DASHBOARD_DETAIL_PART}
${DASHBOARD_TIMELINE_PART}
${DASHBOARD_ACTIONS_PART}

  // Refreshing, while the page is visible

  let refreshing;
  let again = false;
  async function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        try {
          const name = state.name ? '?' + new URLSearchParams({ name: state.name }) : '';
          const [counts] = await Promise.all([api('api/counts' + name), loadList(false), loadDetail()]);
          renderCounts(counts);
          clearProblem();
          byId('updated').textContent = 'Updated ' + formatTime(new Date());
        } catch (error) {
          showProblem(error);
        }
      } while (again);
    })();
    try {
      await refreshing;
    } finally {
      refreshing = undefined;
    }
  }

  function start() {
    readHash();
    buildCounts();
    byId('name-filter').addEventListener('change', (event) => {
      state.name = event.target.value;
      changeFilters();
    });
    byId('waiting-filter').value = state.waiting;
    byId('waiting-filter').addEventListener('change', (event) => {
      state.waiting = event.target.value;
      changeFilters();
    });
    byId('version-filter').value = state.version;
    byId('version-filter').addEventListener('change', (event) => {
      const value = event.target.value.trim();
      state.version = /^\d+$/.test(value) ? String(Number(value)) : '';
      event.target.value = state.version;
      changeFilters();
    });
    byId('priority-filter').value = state.priority;
    byId('priority-filter').addEventListener('change', (event) => {
      const value = event.target.value.trim();
      state.priority = /^-?\d+$/.test(value) ? String(Number(value)) : '';
      event.target.value = state.priority;
      changeFilters();
    });
    byId('key-filter').value = state.key;
    byId('key-filter').addEventListener('change', (event) => {
      state.key = event.target.value.trim();
      changeFilters();
    });
    byId('more').addEventListener('click', () => {
      loadList(true).catch(showProblem);
    });
    window.addEventListener('hashchange', () => {
      readHash();
      byId('name-filter').value = state.name;
      byId('version-filter').value = state.version;
      byId('waiting-filter').value = state.waiting;
      byId('priority-filter').value = state.priority;
      byId('key-filter').value = state.key;
      changeFilters();
    });
    loadNames().catch(showProblem);
    void refresh();
    setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, REFRESH_MS);
  }

  start();
})();
`;
