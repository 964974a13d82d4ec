/** The dashboard's style sheet: system fonts, no images, light and dark. */
export const DASHBOARD_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #667085; --line: #dde1e7;
  --accent: #3457d5; --idle: #667085; --running: #2f6fdb; --failed: #c77700;
  --finished: #1f8a4c; --aborted: #c9372c; --cancelled: #6b5a8e;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --panel: #1c2027; --text: #e6e8ec; --muted: #98a1b0; --line: #2e343e; --accent: #7d9bff; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
button, select { font: inherit; color: inherit; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.top { display: flex; align-items: baseline; justify-content: space-between; padding: 14px 20px 6px; }
.top h1 { margin: 0; font-size: 18px; }
.top h1 span { font-weight: 400; color: var(--muted); }
.problem { margin: 6px 20px; padding: 8px 12px; border-radius: 6px; background: #fde8e6; color: #8a1c12; }
.notice { position: fixed; right: 20px; bottom: 20px; max-width: 420px; padding: 10px 14px; border-radius: 6px; background: var(--text); color: var(--bg); box-shadow: 0 4px 16px rgb(0 0 0 / 20%); }
.counts { display: flex; flex-wrap: wrap; gap: 8px; padding: 8px 20px; }
.counts button { display: flex; flex-direction: column; min-width: 96px; padding: 8px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); cursor: pointer; text-align: left; }
.counts button[aria-pressed="true"] { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); }
.counts .count { font-size: 20px; font-weight: 600; }
.counts .label { color: var(--muted); }
.layout { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 4fr); gap: 16px; padding: 8px 20px 20px; align-items: start; }
@media (max-width: 1000px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.list-pane, .detail-pane { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.detail-pane { position: sticky; top: 12px; max-height: calc(100vh - 24px); overflow: auto; }
.filters { display: flex; gap: 12px; margin-bottom: 8px; }
.filters select { margin-left: 6px; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr.selected { background: color-mix(in srgb, var(--accent) 10%, transparent); }
td.id { overflow-wrap: break-word; }
td.id button { padding: 0; border: 0; background: none; color: var(--accent); cursor: pointer; text-align: left; overflow-wrap: break-word; }
td.name { white-space: nowrap; }
td.time { white-space: nowrap; color: var(--muted); }
#more { margin-top: 10px; padding: 5px 14px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; background: var(--idle); }
.status-running { background: var(--running); }
.status-failed { background: var(--failed); }
.status-finished { background: var(--finished); }
.status-aborted { background: var(--aborted); }
.status-cancelled { background: var(--cancelled); }
.detail-header { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.detail-pane h2 { margin: 0; font-size: 16px; overflow-wrap: anywhere; }
.detail-pane h3 { margin: 16px 0 6px; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.actions { display: flex; gap: 8px; margin: 10px 0; }
.actions button { padding: 5px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); cursor: pointer; }
.actions button.retry { border-color: var(--accent); background: var(--accent); color: #fff; }
.actions button.cancel { border-color: var(--aborted); color: var(--aborted); }
.actions button:disabled { opacity: .5; cursor: wait; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
pre { margin: 0; padding: 8px 10px; max-height: 260px; overflow: auto; border-radius: 6px; background: color-mix(in srgb, var(--text) 6%, transparent); white-space: pre-wrap; overflow-wrap: anywhere; }
.error-message { margin: 0 0 6px; color: var(--aborted); font-weight: 600; overflow-wrap: anywhere; }
.error-message.earlier { color: var(--muted); font-weight: 400; }
details.stack summary { cursor: pointer; color: var(--muted); margin-bottom: 4px; }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; margin: 0 0 12px; padding-left: 10px; }
ol.timeline li::before { content: ""; position: absolute; left: -21px; top: 5px; width: 10px; height: 10px; border-radius: 50%; background: var(--finished); border: 2px solid var(--panel); }
ol.timeline li.sleep::before { background: var(--running); }
ol.timeline .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
ol.timeline .kind { font-size: 11px; text-transform: uppercase; color: var(--muted); }
ol.timeline .when { color: var(--muted); font-size: 12px; }
ol.timeline pre { margin-top: 4px; }
ol.timeline ol.attempts { list-style: none; margin: 4px 0 0; padding: 0; }
ol.timeline ol.attempts li { margin: 0 0 4px; padding-left: 0; }
ol.timeline ol.attempts li::before { content: none; }
ol.timeline .attempt-error { color: var(--aborted); font-size: 12px; }
ol.timeline li.waiting::before { background: var(--idle); }
ol.timeline li.signal-received::before, ol.timeline li.signal-wait::before, ol.timeline li.signal-sent::before { background: var(--accent); }
form.send-signal { display: grid; gap: 6px; margin: 6px 0 10px; }
form.send-signal h3 { margin: 6px 0 0; }
form.send-signal label { display: grid; gap: 2px; color: var(--muted); font-size: 12px; }
form.send-signal input, form.send-signal textarea { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--text); }
form.send-signal textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
form.send-signal button { justify-self: start; padding: 5px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
.schedules-pane { margin: 0 20px 20px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.schedules-pane h2 { margin: 0 0 8px; font-size: 15px; }
.schedules-pane tbody tr { cursor: default; }
.schedules-pane tr.paused td.next { color: var(--muted); font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 20px 12px; }
.charts figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.charts figcaption { font-size: 13px; margin-bottom: 4px; }
.charts .bar { fill: #3b82f6; }
`;
