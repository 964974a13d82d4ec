/**
 * The dashboard's page. It holds no data: the script fetches everything from the JSON API and
 * renders it as text. `assetPrefix` comes from the request, so it is escaped like any value.
 */
export function renderDashboardPage(assetPrefix: string): string {
  const prefix = escapeAttribute(assetPrefix);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lidex workflows</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${prefix}app.css">
<script src="${prefix}app.js" defer></script>
<script src="${prefix}schedules.js" defer></script>
<script src="${prefix}charts.js" defer></script>
<script src="${prefix}slots.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Lidex <span>workflows</span></h1>
  <span id="updated" class="muted" aria-live="off"></span>
</header>
<div id="problem" class="problem" role="alert" hidden></div>
<nav id="counts" class="counts" aria-label="Workflows by status"></nav>
<section id="charts" class="charts" aria-label="The last hour">
  <figure data-chart="throughput" data-title="Throughput"><figcaption>Throughput <span class="latest muted"></span></figcaption><div class="plot"></div></figure>
  <figure data-chart="backlog" data-title="Backlog"><figcaption>Backlog <span class="latest muted"></span></figcaption><div class="plot"></div></figure>
  <figure data-chart="latency" data-title="Step latency"><figcaption>Step latency <span class="latest muted"></span></figcaption><div class="plot"></div></figure>
  <p id="charts-note" class="muted" hidden>This store does not answer activity: no charts.</p>
</section>
<main class="layout">
  <section class="list-pane" aria-label="Workflows">
    <div class="filters">
      <label>Workflow name
        <select id="name-filter"><option value="">All</option></select>
      </label>
      <label>Version
        <input id="version-filter" type="number" min="0" step="1" inputmode="numeric" placeholder="All">
      </label>
      <label>Waiting
        <select id="waiting-filter"><option value="">All</option><option value="signal">for a signal</option><option value="child">for a child</option></select>
      </label>
      <label>Priority
        <input id="priority-filter" type="number" step="1" inputmode="numeric" placeholder="All">
      </label>
      <label>Key
        <input id="key-filter" type="text" placeholder="All" spellcheck="false">
      </label>
    </div>
    <table id="workflows">
      <thead>
        <tr><th>Id</th><th>Name</th><th>Version</th><th>Status</th><th>Attempts</th><th>Created</th><th>Updated</th><th>Priority</th><th>Key</th></tr>
      </thead>
      <tbody></tbody>
    </table>
    <p id="empty" class="muted" hidden>No workflows here.</p>
    <button id="more" type="button" hidden>More</button>
  </section>
  <section id="detail" class="detail-pane" aria-label="Workflow">
    <p class="muted">Choose a workflow to see its input, result and timeline.</p>
  </section>
</main>
<section id="slots" class="schedules-pane" aria-label="Slots in use" hidden>
  <h2>Slots in use</h2>
  <table>
    <thead>
      <tr><th>Workflow</th><th>Running</th><th>Per key</th><th>Rate limit</th><th>Busiest keys</th></tr>
    </thead>
    <tbody></tbody>
  </table>
</section>
<section id="schedules" class="schedules-pane" aria-label="Schedules">
  <h2>Schedules</h2>
  <table>
    <thead>
      <tr><th>Id</th><th>Workflow</th><th>When</th><th>Next</th><th>Last tick</th><th>Policies</th></tr>
    </thead>
    <tbody></tbody>
  </table>
  <p id="schedules-empty" class="muted" hidden>No schedules.</p>
</section>
<div id="notice" class="notice" role="status" hidden></div>
</body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (character) => `&#${character.charCodeAt(0)};`,
  );
}
