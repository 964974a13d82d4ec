/**
 * The formatting and message parts of the dashboard's script, spliced into `app.js` inside its
 * closure (they use its helpers `el` and `byId`, and `STATUSES`): times, durations and values as
 * text, the status badge, whether an error is the workflow's current state, and the problem line
 * and notices at the top of the page.
 */
export const DASHBOARD_FORMAT_PART = String.raw`
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
`;
