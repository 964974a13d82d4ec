/**
 * The actions of the dashboard's detail pane, spliced into `app.js` inside its closure (it uses its
 * `api`, `notify`, `isOpen`, `select` and `refresh`): cancel, terminate, retry and delete of the
 * workflow on screen, each asked for first where it cannot be undone, and its answer as a notice.
 */
export const DASHBOARD_ACTIONS_PART = String.raw`
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
`;
