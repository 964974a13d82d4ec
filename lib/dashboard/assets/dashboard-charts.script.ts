/**
 * The dashboard's charts, served as `charts.js`: throughput (finished per minute), backlog and
 * step latency (mean per minute) over the last hour, from `api/activity` (the store's records),
 * drawn as inline SVG built with DOM calls (no library, nothing fetched from elsewhere), reloaded
 * every 15 s.
 */
export const DASHBOARD_CHARTS_SCRIPT = String.raw`(() => {
  'use strict';

  const REFRESH_MS = 15000;
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 360;
  const HEIGHT = 90;
  const base = new URL('.', document.currentScript.src);
  const panel = document.getElementById('charts');
  const note = document.getElementById('charts-note');

  function svg(name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    return node;
  }

  function draw(chart, minutes, value, unit) {
    const figure = panel.querySelector('[data-chart="' + chart + '"]');
    const values = minutes.map(value);
    const max = Math.max(1, ...values);
    const step = WIDTH / Math.max(1, values.length);
    const plot = svg('svg', {
      viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      role: 'img',
    });
    const title = svg('title', {});
    title.textContent = figure.dataset.title + ', last hour; highest ' + max + unit;
    plot.append(title);
    values.forEach((v, i) => {
      const h = Math.round((v / max) * (HEIGHT - 4));
      const bar = svg('rect', {
        x: (i * step).toFixed(1),
        y: HEIGHT - h,
        width: Math.max(1, step - 1).toFixed(1),
        height: h,
        class: 'bar',
      });
      bar.dataset.value = String(v);
      const tip = svg('title', {});
      tip.textContent = new Date(minutes[i].start).toLocaleTimeString() + ': ' + v + unit;
      bar.append(tip);
      plot.append(bar);
    });
    figure.querySelector('.plot').replaceChildren(plot);
    figure.querySelector('.latest').textContent =
      (values.length ? values[values.length - 1] : 0) + unit + ' now, highest ' + max + unit;
  }

  async function load() {
    try {
      const response = await fetch(new URL('api/activity', base), {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) return;
      const activity = await response.json();
      note.hidden = activity.supported;
      if (!activity.supported) return;
      draw('throughput', activity.minutes, (m) => m.finished, ' finished/min');
      draw('backlog', activity.minutes, (m) => m.backlog, ' waiting');
      draw('latency', activity.minutes, (m) => m.stepMsMean, ' ms');
    } catch {
      // The workflows pane says when the app cannot be reached; the charts try again.
    }
  }

  void load();
  setInterval(() => void load(), REFRESH_MS);
})();
`;
