/**
 * The workflow list of the dashboard's script, spliced into `app.js` inside its closure (it uses
 * its `state`, `el`, `button`, `byId`, `api`, the formatting part, `filterParams` and the detail
 * pane's `showDetailOf`): one page of workflows under the filters, "More" for the next, the rows
 * of the table, and choosing the workflow the detail pane shows.
 */
export const DASHBOARD_LIST_PART = String.raw`
  // The list

  async function loadList(append) {
    // While "More" loads, and once more rows are shown than one reload can bring back, the list
    // stays as it is (counts and the open workflow still refresh).
    if (appending || (!append && state.rows.length > MAX_PAGE_SIZE)) return;
    const params = filterParams('concurrencyKey');
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
`;
