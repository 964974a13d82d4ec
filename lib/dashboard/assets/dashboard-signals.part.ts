/**
 * The signal parts of the dashboard's script, spliced into `app.js` inside its closure (they use
 * its helpers: `el`, `button`, `api`, `notify`, `formatTime`, `formatValue`, `isOpen`,
 * `refresh`): the wait and the received signals on the timeline, and the "send signal" form.
 * Like the rest of the script, values reach the page through `textContent` and DOM properties.
 */
export const DASHBOARD_SIGNALS_PART = String.raw`
  const WAITING = ['signal', 'child'];

  // What a form holds while the pane re-renders: the open workflow's name and payload as typed.
  let signalDraft = { id: undefined, name: '', payload: '' };

  function describeWait(waitingFor) {
    return waitingFor.kind === 'signal'
      ? 'signal "' + waitingFor.name + '"'
      : 'child ' + waitingFor.childId;
  }

  // The wait, at the end of the timeline while the workflow waits.
  function waitEntry(workflow, item) {
    const wait = workflow.waitingFor;
    if (!wait) return;
    item('waiting', 'waiting', describeWait(wait),
      wait.until ? 'until ' + formatTime(wait.until, true) : 'no timeout');
  }

  // A wait or a sent signal recorded as a step.
  function signalStepEntry(step, item) {
    if (step.signal && step.signal.workflowId !== undefined) {
      item('signal-sent', 'sent', step.id, 'signal "' + step.signal.name + '" to ' +
        step.signal.workflowId + ' · ' + (step.result ? 'delivered' : 'not delivered (it had ended)') +
        ' · recorded ' + formatTime(step.recordedAt, true));
      return;
    }
    const entry = item('signal-wait', 'wait', step.id, [
      step.signal ? 'received "' + step.signal.name + '" (#' + step.signal.seq + ')' : 'timed out',
      'recorded ' + formatTime(step.recordedAt, true),
    ].join(' · '));
    if (step.signal) entry.append(el('pre', 'step-result', formatValue(step.result)));
  }

  function receivedEntry(signal, item) {
    const entry = item('signal-received', 'received', signal.name, [
      'sent ' + formatTime(signal.sentAt, true),
      signal.consumedBy ? 'consumed by ' + signal.consumedBy : 'not consumed yet',
    ].join(' · '));
    entry.title = 'Signal #' + signal.seq + ', id ' + signal.signalId;
    entry.append(el('pre', 'signal-payload', formatValue(signal.payload)));
  }

  // Steps and received signals in the order they happened (a signal by the time it was sent).
  function timelineEvents(workflow) {
    const signals = (workflow.signals || []).slice();
    const events = [];
    for (const step of workflow.steps) {
      const at = new Date(step.recordedAt).getTime();
      while (signals.length && new Date(signals[0].sentAt).getTime() <= at)
        events.push({ signal: signals.shift() });
      events.push({ step });
    }
    return events.concat(signals.map((signal) => ({ signal })));
  }

  function signalForm(workflow) {
    if (signalDraft.id !== workflow.id) {
      const wait = workflow.waitingFor;
      signalDraft = { id: workflow.id, name: wait && wait.kind === 'signal' ? wait.name : '', payload: '' };
    }
    const form = el('form', 'send-signal');
    form.append(el('h3', '', 'Send a signal'));
    const name = el('input');
    name.name = 'signal-name';
    name.required = true;
    name.placeholder = 'name';
    name.value = signalDraft.name;
    name.addEventListener('input', () => (signalDraft.name = name.value));
    const payload = el('textarea');
    payload.name = 'signal-payload';
    payload.rows = 3;
    payload.placeholder = 'payload as JSON, e.g. { "approved": true } (empty: null)';
    payload.value = signalDraft.payload;
    payload.addEventListener('input', () => (signalDraft.payload = payload.value));
    const nameLabel = el('label', '', 'Name ');
    nameLabel.append(name);
    const payloadLabel = el('label', '', 'Payload (JSON) ');
    payloadLabel.append(payload);
    const submit = el('button', 'send', 'Send signal');
    submit.type = 'submit';
    form.append(nameLabel, payloadLabel, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void sendSignal(workflow, submit);
    });
    return form;
  }

  async function sendSignal(workflow, control) {
    if (!isOpen(workflow.id)) {
      notify('Not sent: ' + workflow.id + ' is no longer the workflow on screen.');
      return;
    }
    const name = signalDraft.name;
    control.disabled = true;
    try {
      const query = new URLSearchParams({ id: workflow.id });
      const answer = await api('api/workflow/signal?' + query, 'POST', { name, payload: signalDraft.payload });
      if (answer.delivered) signalDraft.payload = '';
      notify(answer.delivered
        ? 'Signal "' + name + '" delivered to ' + workflow.id + '.'
        : 'Not delivered: ' + workflow.id + ' had already ended.');
    } catch (error) {
      notify('Could not send signal "' + name + '" to ' + workflow.id + ': ' +
        (error instanceof Error ? error.message : String(error)));
    }
    control.disabled = false;
    await refresh();
  }
`;
