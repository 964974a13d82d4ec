/**
 * The dashboard's slots panel, served as `slots.js` beside `app.js`: for each workflow with a
 * concurrency or rate limit (`api/slots`), the slots in use against the limit, the per-key limit
 * and the busiest keys with theirs; reloaded every few seconds, hidden when no workflow is
 * limited. Values reach the page through `textContent` only.
 */
export const DASHBOARD_SLOTS_SCRIPT = String.raw`(() => {
  'use strict';

  const REFRESH_MS = 3000;
  const base = new URL('.', document.currentScript.src);
  const panel = document.getElementById('slots');
  const body = panel.querySelector('tbody');
  let rendered = '';

  function cell(text, className) {
    const node = document.createElement('td');
    if (className) node.className = className;
    node.textContent = text;
    return node;
  }

  const of = (used, limit) => (limit === undefined ? String(used) : used + ' / ' + limit);

  function row(slots) {
    const tr = document.createElement('tr');
    tr.dataset.workflow = slots.name;
    const rate = slots.rateLimit;
    const rateText = rate
      ? [rate.max !== undefined ? rate.max + ' starts' : '', rate.perKey !== undefined ? rate.perKey + ' per key' : '']
          .filter(Boolean).join(', ') + ' per ' + rate.perMs + ' ms'
      : '';
    const keys = slots.keys.map((key) => key.key + ': ' + of(key.used, slots.perKey)).join(', ');
    tr.append(
      cell(slots.name, 'name'),
      cell(of(slots.used, slots.concurrency), 'used'),
      cell(slots.perKey === undefined ? '' : String(slots.perKey), 'per-key'),
      cell(rateText, 'rate'),
      cell(keys, 'keys'),
    );
    if (slots.concurrency !== undefined && slots.used >= slots.concurrency) tr.classList.add('full');
    return tr;
  }

  async function load() {
    try {
      const response = await fetch(new URL('api/slots', base), {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) return;
      const { workflows } = await response.json();
      const text = JSON.stringify(workflows);
      if (text === rendered) return;
      rendered = text;
      body.replaceChildren(...workflows.map(row));
      panel.hidden = workflows.length === 0;
    } catch {
      // The workflows pane says when the app cannot be reached; this panel tries again.
    }
  }

  void load();
  setInterval(() => {
    if (document.visibilityState === 'visible') void load();
  }, REFRESH_MS);
})();
`;
