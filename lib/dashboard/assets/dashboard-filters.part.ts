/**
 * The filter parts of the dashboard's script, spliced into `app.js` inside its closure (they use
 * its `state`, `el`, `button`, `byId`, `api`, `refresh` and the list's `appending`): the filters
 * kept in the address (`#status=...&name=...`), the counts by status that filter the list, the
 * name filter's options, and what a changed filter does.
 */
export const DASHBOARD_FILTERS_PART = String.raw`
  // State in the address, so that a view can be reloaded and shared

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const status = params.get('status');
    state.status = STATUSES.includes(status) ? status : '';
    state.name = params.get('name') || '';
    state.version = /^\d+$/.test(params.get('version') || '') ? params.get('version') : '';
    state.waiting = WAITING.includes(params.get('waiting')) ? params.get('waiting') : '';
    state.priority = /^-?\d+$/.test(params.get('priority') || '') ? params.get('priority') : '';
    state.key = params.get('key') || '';
    state.selected = params.has('id') ? params.get('id') : undefined;
  }

  // The filters as query parameters, for the address and for the list API, which names the key
  // "concurrencyKey".
  function filterParams(keyParam) {
    const params = new URLSearchParams();
    if (state.status) params.set('status', state.status);
    if (state.name) params.set('name', state.name);
    if (state.version) params.set('version', state.version);
    if (state.waiting) params.set('waiting', state.waiting);
    if (state.priority) params.set('priority', state.priority);
    if (state.key) params.set(keyParam, state.key);
    return params;
  }

  function writeHash() {
    const params = filterParams('key');
    if (state.selected !== undefined) params.set('id', state.selected);
    const hash = params.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }

  // Counts by status; each is a filter

  function buildCounts() {
    const nav = byId('counts');
    for (const status of [''].concat(STATUSES)) {
      const filter = button('', 'count-filter', () => {
        state.status = state.status === status ? '' : status;
        changeFilters();
      });
      filter.dataset.status = status || 'all';
      filter.append(el('span', 'count', '-'), el('span', 'label', status || 'all'));
      nav.append(filter);
    }
    markStatusFilter();
  }

  function markStatusFilter() {
    for (const filter of byId('counts').querySelectorAll('button')) {
      const status = filter.dataset.status === 'all' ? '' : filter.dataset.status;
      filter.setAttribute('aria-pressed', String(status === state.status));
    }
  }

  function renderCounts(counts) {
    let total = 0;
    for (const filter of byId('counts').querySelectorAll('button')) {
      const status = filter.dataset.status;
      if (status === 'all') continue;
      const count = Number(counts[status]) || 0;
      total += count;
      filter.querySelector('.count').textContent = String(count);
    }
    byId('counts').querySelector('[data-status="all"] .count').textContent = String(total);
  }

  async function loadNames() {
    const { names } = await api('api/names');
    const select = byId('name-filter');
    for (const name of names) select.append(new Option(name, name));
    // A name in the address that this app does not run (yet) still filters.
    if (state.name && !names.includes(state.name)) select.append(new Option(state.name, state.name));
    select.value = state.name;
  }

  function changeFilters() {
    state.rows = [];
    state.nextCursor = undefined;
    appending = false;
    markStatusFilter();
    writeHash();
    void refresh();
  }
`;
