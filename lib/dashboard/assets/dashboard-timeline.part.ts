/**
 * The timeline of the dashboard's detail pane, spliced into `app.js` inside its closure (it uses
 * its `el`, the formatting part and the signal part's entries): the start, each step and sleep
 * with its attempts, the compensations, the wait and the end of one workflow.
 */
export const DASHBOARD_TIMELINE_PART = String.raw`
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
`;
