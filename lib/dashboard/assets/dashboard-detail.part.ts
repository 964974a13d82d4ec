/**
 * The detail pane of the dashboard's script, spliced into `app.js` inside its closure (it uses its
 * `state`, `el`, `button`, `byId`, `api`, the formatting, signal, timeline and action parts): which
 * workflow the pane is about, loading it, and its header, buttons, facts, error, input and result.
 */
export const DASHBOARD_DETAIL_PART = String.raw`
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
`;
