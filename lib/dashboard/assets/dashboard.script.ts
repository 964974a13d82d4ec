import { DASHBOARD_SIGNALS_PART } from './dashboard-signals.part';

/**
 * The dashboard's script, served as `app.js`. Plain browser JavaScript, no framework and no build
 * step. Every value that comes from the store reaches the page through `textContent` (or a DOM
 * property), never as HTML, so a step result holding `<script>` is shown as text.
 *
 * It is kept as a string (written without template literals inside) so that the package needs no
 * asset copying and works however the app is bundled.
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
  // Formatting

  const pad = (value, width) => String(value).padStart(width || 2, '0');

  function formatTime(value, withMilliseconds) {
    if (value === undefined || value === null) return '';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const text =
      date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' +
      pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
    return withMilliseconds ? text + '.' + pad(date.getMilliseconds(), 3) : text;
  }

  // In the list: the time alone for today, else the day and the minute.
  function formatShortTime(value) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const now = new Date();
    const time = pad(date.getHours()) + ':' + pad(date.getMinutes());
    if (date.toDateString() === now.toDateString()) return time + ':' + pad(date.getSeconds());
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' + time;
  }

  function timeCell(value) {
    const cell = el('td', 'time', formatShortTime(value));
    cell.title = formatTime(value, true);
    return cell;
  }

  function formatDuration(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    if (ms < 3600000) return (ms / 60000).toFixed(1) + ' min';
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + ' h';
    return (ms / 86400000).toFixed(1) + ' d';
  }

  function formatValue(value) {
    if (value === undefined) return '(nothing)';
    try {
      return JSON.stringify(value, null, 2);
    } catch {
      return String(value);
    }
  }

  // An error is the workflow's state while it is failed or aborted, or running again because of
  // it; once the workflow has finished, been cancelled or been retried by hand, it is history,
  // except the deadline that cancelled it: that is why it is cancelled.
  function errorIsCurrent(workflow) {
    if (workflow.status === 'failed' || workflow.status === 'aborted') return true;
    if (workflow.status === 'cancelled')
      return !!workflow.error && workflow.error.name === 'DeadlineExceededError';
    return (workflow.status === 'running' || workflow.status === 'idle') && workflow.failures > 0;
  }

  function statusBadge(status) {
    const known = STATUSES.includes(status) ? status : 'unknown';
    return el('span', 'status status-' + known, String(status));
  }

  // Messages

  function showProblem(error) {
    const problem = byId('problem');
    problem.textContent = error instanceof Error ? error.message : String(error);
    problem.hidden = false;
  }

  function clearProblem() {
    byId('problem').hidden = true;
  }

  let noticeTimer;
  function notify(text) {
    const notice = byId('notice');
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.hidden = true), 5000);
  }

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

  function writeHash() {
    const params = new URLSearchParams();
    if (state.status) params.set('status', state.status);
    if (state.name) params.set('name', state.name);
    if (state.version) params.set('version', state.version);
    if (state.waiting) params.set('waiting', state.waiting);
    if (state.priority) params.set('priority', state.priority);
    if (state.key) params.set('key', state.key);
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

  // The list

  async function loadList(append) {
    // While "More" loads, and once more rows are shown than one reload can bring back, the list
    // stays as it is (counts and the open workflow still refresh).
    if (appending || (!append && state.rows.length > MAX_PAGE_SIZE)) return;
    const params = new URLSearchParams();
    if (state.status) params.set('status', state.status);
    if (state.name) params.set('name', state.name);
    if (state.version) params.set('version', state.version);
    if (state.waiting) params.set('waiting', state.waiting);
    if (state.priority) params.set('priority', state.priority);
    if (state.key) params.set('concurrencyKey', state.key);
    if (append) {
      params.set('cursor', state.nextCursor);
      params.set('limit', String(PAGE_SIZE));
    } else {
      // A refresh reloads as many rows as are shown, so that "More" pages stay.
      params.set('limit', String(Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, state.rows.length))));
    }
    const generation = ++listGeneration;
    appending = append;
    let page;
    try {
      page = await api('api/workflows?' + params);
    } finally {
      if (generation === listGeneration) appending = false;
    }
    if (generation !== listGeneration) return;
    state.rows = append ? state.rows.concat(page.workflows) : page.workflows;
    state.nextCursor = page.nextCursor;
    renderList();
  }

  function renderList() {
    const snapshot = JSON.stringify([state.rows, state.nextCursor, state.selected]);
    if (snapshot === renderedList) return;
    renderedList = snapshot;
    // Filtered by the store (priority and key included): every row loaded is shown.
    const shown = state.rows;
    byId('workflows').tBodies[0].replaceChildren(...shown.map(listRow));
    byId('empty').hidden = shown.length > 0;
    byId('more').hidden = !state.nextCursor;
  }

  function listRow(workflow) {
    const row = el('tr');
    row.dataset.id = workflow.id;
    if (workflow.id === state.selected) row.classList.add('selected');
    if (workflow.error)
      row.title = (errorIsCurrent(workflow) ? '' : 'Earlier error: ') +
        workflow.error.name + ': ' + workflow.error.message;
    const idCell = el('td', 'id');
    idCell.append(button(workflow.id, '', () => undefined));
    const statusCell = el('td');
    statusCell.append(statusBadge(workflow.status));
    row.append(
      idCell,
      el('td', 'name', workflow.name),
      el('td', 'version', String(workflow.version)),
      statusCell,
      el('td', 'attempts', String(workflow.attempts)),
      timeCell(workflow.createdAt),
      timeCell(workflow.updatedAt),
      el('td', 'priority', String(workflow.priority || 0)),
      el('td', 'key', workflow.concurrencyKey || ''),
    );
    row.addEventListener('click', () => select(workflow.id));
    return row;
  }

  function select(id) {
    state.selected = id;
    writeHash();
    renderList();
    showDetailOf(id);
    void refresh();
  }

  // One workflow

  // Nothing of another workflow, its actions least of all, stays on screen while this one loads.
  function showDetailOf(id) {
    if (id === shownId && id !== undefined) return;
    // Whatever is still on its way for the previous one is dropped.
    detailGeneration++;
    shownId = id;
    renderedDetail = '';
    byId('detail').replaceChildren(el('p', 'muted', id === undefined
      ? 'Choose a workflow to see its input, result and timeline.'
      : 'Loading workflow ' + id + '...'));
  }

  // Whether this workflow is the one chosen and the one on screen: only then may its buttons act.
  function isOpen(id) {
    return state.selected === id && shownId === id;
  }

  async function loadDetail() {
    const id = state.selected;
    showDetailOf(id);
    if (id === undefined) return;
    const generation = ++detailGeneration;
    let workflow;
    try {
      // The id goes in the query: in a path, "." and ".." would be resolved away.
      workflow = await api('api/workflow?' + new URLSearchParams({ id }));
    } catch (error) {
      if (error.status !== 404) throw error;
      if (generation !== detailGeneration || !isOpen(id)) return;
      renderedDetail = '';
      byId('detail').replaceChildren(el('p', 'muted', error.message));
      return;
    }
    if (generation !== detailGeneration || !isOpen(id)) return;
    if (!workflow || workflow.id !== id)
      throw new Error('Asked for workflow ' + JSON.stringify(id) + ' and got another answer.');
    const snapshot = JSON.stringify(workflow);
    if (snapshot === renderedDetail) return;
    renderedDetail = snapshot;
    renderDetail(workflow);
  }

  function renderDetail(workflow) {
    const pane = byId('detail');
    const header = el('div', 'detail-header');
    header.append(el('h2', 'workflow-id', workflow.id), statusBadge(workflow.status));

    const actions = el('div', 'actions');
    if (CANCELLABLE.includes(workflow.status))
      actions.append(button('Cancel', 'cancel', (event) => act('cancel', workflow, event.target)));
    if (CANCELLABLE.includes(workflow.status) || workflow.status === 'compensating')
      actions.append(button('Terminate', 'terminate', (event) => act('terminate', workflow, event.target)));
    if (RETRYABLE.includes(workflow.status))
      actions.append(button('Retry', 'retry', (event) => act('retry', workflow, event.target)));
    if (ENDED.includes(workflow.status))
      actions.append(button('Delete', 'delete', (event) => act('delete', workflow, event.target)));
    actions.append(button('Close', 'close', () => select(undefined)));

    const facts = el('dl', 'facts');
    const fact = (label, value) => {
      if (value === undefined || value === '') return;
      facts.append(el('dt', '', label), el('dd', '', value));
    };
    fact('Name', workflow.name);
    fact('Version', String(workflow.version));
    fact('Priority', String(workflow.priority || 0));
    fact('Concurrency key', workflow.concurrencyKey);
    fact('Attempts', String(workflow.attempts));
    fact('Failures', String(workflow.failures));
    fact('Created', formatTime(workflow.createdAt, true));
    fact('Updated', formatTime(workflow.updatedAt, true));
    fact('Ready at', formatTime(workflow.readyAt, true));
    fact('Deadline', formatTime(workflow.deadlineAt, true));
    if (workflow.waitingFor) fact('Waiting for', describeWait(workflow.waitingFor));

    const parts = [header, actions, facts];
    if (CANCELLABLE.includes(workflow.status)) parts.push(signalForm(workflow));
    if (workflow.error) {
      const current = errorIsCurrent(workflow);
      parts.push(el('h3', '', current ? 'Last error' : 'Earlier error'));
      parts.push(el('p', current ? 'error-message' : 'error-message earlier',
        workflow.error.name + ': ' + workflow.error.message));
      if (!current)
        parts.push(el('p', 'muted', 'From an earlier attempt; the workflow is ' + workflow.status + ' now.'));
      if (workflow.error.stack) {
        const stack = el('details', 'stack');
        stack.append(el('summary', '', 'Stack trace'), el('pre', '', workflow.error.stack));
        parts.push(stack);
      }
    }
    parts.push(el('h3', '', 'Input'), el('pre', 'input', formatValue(workflow.input)));
    if ('result' in workflow)
      parts.push(el('h3', '', 'Result'), el('pre', 'result', formatValue(workflow.result)));
    parts.push(el('h3', '', 'Timeline'), timeline(workflow));
    pane.replaceChildren(...parts);
  }

  function timeline(workflow) {
    const list = el('ol', 'timeline');
    const item = (className, kind, label, when) => {
      const entry = el('li', className);
      const head = el('div', 'head');
      head.append(el('span', 'kind', kind), el('code', 'step-id', label), el('span', 'when', when));
      entry.append(head);
      list.append(entry);
      return entry;
    };
    item('start', 'start', 'created', formatTime(workflow.createdAt, true));
    for (const { step, signal } of timelineEvents(workflow)) {
      if (signal) {
        receivedEntry(signal, item);
      } else if (step.kind === 'signal') {
        signalStepEntry(step, item);
      } else if (step.kind === 'sleep') {
        const woke = new Date(step.wakeAt).getTime() <= Date.now();
        item('sleep', 'sleep', step.id, [
          'recorded ' + formatTime(step.recordedAt, true),
          (woke ? 'woke at ' : 'wakes at ') + formatTime(step.wakeAt, true),
          formatDuration(step.durationMs),
        ].filter(Boolean).join(' · '));
      } else {
        const entry = item('step', 'step', step.id, [
          step.startedAt ? 'started ' + formatTime(step.startedAt, true) : '',
          'recorded ' + formatTime(step.recordedAt, true),
          step.durationMs === undefined ? '' : 'took ' + formatDuration(step.durationMs),
        ].filter(Boolean).join(' · '));
        if ('result' in step || !step.attempts)
          entry.append(el('pre', 'step-result', formatValue(step.result)));
        if (step.attempts) entry.append(attempts(step.attempts));
      }
    }
    for (const undo of workflow.compensations || []) {
      const entry = item('compensation ' + undo.status, 'undo', undo.stepId, [
        undo.status,
        'recorded ' + formatTime(undo.recordedAt, true),
      ].join(' · '));
      if (undo.error) entry.append(el('div', 'attempt-error', undo.error.name + ': ' + undo.error.message));
      if (undo.attempts.length > 0) entry.append(attempts(undo.attempts));
    }
    waitEntry(workflow, item);
    if (['finished', 'aborted', 'cancelled'].includes(workflow.status))
      item('end', 'end', workflow.status, formatTime(workflow.updatedAt, true));
    return list;
  }

  /** A retried step's attempts: when each ran, why it failed, when the next is due. */
  function attempts(list) {
    const shown = el('ol', 'attempts');
    for (const attempt of list) {
      const line = el('li', attempt.error ? 'attempt failed' : 'attempt succeeded');
      line.append(el('span', 'when', [
        'attempt ' + attempt.attempt,
        'started ' + formatTime(attempt.startedAt, true),
        'ended ' + formatTime(attempt.endedAt, true),
        attempt.nextAttemptAt ? 'next at ' + formatTime(attempt.nextAttemptAt, true) : '',
      ].filter(Boolean).join(' · ')));
      if (attempt.error)
        line.append(el('div', 'attempt-error', attempt.error.name + ': ' + attempt.error.message));
      shown.append(line);
    }
    return shown;
  }

  async function act(action, workflow, control) {
    const stale = () => {
      if (isOpen(workflow.id)) return false;
      notify('Not done: ' + workflow.id + ' is no longer the workflow on screen.');
      return true;
    };
    if (stale()) return;
    if (action === 'cancel' && !confirm('Cancel workflow ' + workflow.id + '? It stops at its next step or sleep, and its compensations run.'))
      return;
    if (action === 'terminate' && !confirm('Terminate workflow ' + workflow.id + '? It is cancelled without running compensations.'))
      return;
    if (action === 'delete' && !confirm('Delete workflow ' + workflow.id + ' with its steps and signals? This cannot be undone.'))
      return;
    // Another workflow may have been chosen while the question was open.
    if (stale()) return;
    control.disabled = true;
    try {
      const query = new URLSearchParams({ id: workflow.id });
      const answer = await api('api/workflow/' + action + '?' + query, 'POST');
      if (action === 'terminate')
        notify(answer.terminated
          ? 'Terminated ' + workflow.id + ' (cancelled, without compensating).'
          : 'Not terminated: ' + workflow.id + ' had already ended.');
      else if (action === 'delete') {
        notify('Deleted ' + workflow.id + '.');
        select(undefined);
      } else if (action === 'retry')
        notify(answer.retried
          ? 'Retrying ' + workflow.id + ': it runs again from its recorded steps.'
          : 'Not retried: ' + workflow.id + ' is no longer aborted, failed or cancelled.');
      else
        notify(answer.cancelled
          ? 'Cancelled ' + workflow.id + '.'
          : 'Not cancelled: ' + workflow.id + ' had already ended.');
    } catch (error) {
      // A notice, not the page's problem line, which the refresh below would clear at once.
      notify('Could not ' + action + ' ' + workflow.id + ': ' + (error instanceof Error ? error.message : String(error)));
    }
    control.disabled = false;
    await refresh();
  }

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
