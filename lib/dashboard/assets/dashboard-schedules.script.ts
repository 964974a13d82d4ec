/**
 * The dashboard's schedules panel, served as `schedules.js` beside `app.js`: it lists the
 * schedules (`api/schedules`) with their timing, policies, last tick and next fire time, and
 * reloads them every few seconds. Values reach the page through `textContent` only.
 */
export const DASHBOARD_SCHEDULES_SCRIPT = String.raw`(() => {
  'use strict';

  const REFRESH_MS = 5000;
  const base = new URL('.', document.currentScript.src);
  const panel = document.getElementById('schedules');
  const body = panel.querySelector('tbody');
  const empty = document.getElementById('schedules-empty');
  let rendered = '';

  const pad = (value) => String(value).padStart(2, '0');

  function formatTime(value) {
    if (!value) return '';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return (
      date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' +
      pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds())
    );
  }

  function formatEvery(ms) {
    if (ms % 86400000 === 0) return 'every ' + ms / 86400000 + ' d';
    if (ms % 3600000 === 0) return 'every ' + ms / 3600000 + ' h';
    if (ms % 60000 === 0) return 'every ' + ms / 60000 + ' min';
    return 'every ' + ms / 1000 + ' s';
  }

  function cell(text, className) {
    const node = document.createElement('td');
    if (className) node.className = className;
    node.textContent = text;
    return node;
  }

  function row(schedule) {
    const tr = document.createElement('tr');
    tr.dataset.schedule = schedule.id;
    const timing =
      schedule.cron !== undefined
        ? schedule.cron + ' (' + schedule.timezone + ')'
        : formatEvery(schedule.every);
    tr.append(
      cell(schedule.id, 'id'),
      cell(schedule.workflow),
      cell(timing, 'timing'),
      cell(schedule.paused ? 'paused' : formatTime(schedule.nextFireAt), 'next'),
      cell(formatTime(schedule.lastTickAt), 'time'),
      cell('missed: ' + schedule.missed + ', overlap: ' + schedule.overlap, 'muted'),
    );
    if (schedule.paused) tr.classList.add('paused');
    return tr;
  }

  async function load() {
    try {
      const response = await fetch(new URL('api/schedules', base), {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) return;
      const { schedules } = await response.json();
      const text = JSON.stringify(schedules);
      if (text === rendered) return;
      rendered = text;
      body.replaceChildren(...schedules.map(row));
      empty.hidden = schedules.length > 0;
    } catch {
      // The workflows pane says when the app cannot be reached; this panel tries again.
    }
  }

  void load();
  setInterval(() => void load(), REFRESH_MS);
})();
`;
