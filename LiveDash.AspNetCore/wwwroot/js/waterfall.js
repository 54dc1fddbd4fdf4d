// The waterfall: recently sampled requests as horizontal bars on one time axis, split into before the
// server, waiting for a thread, queued, running our code and waiting on the database: the lecture's picture, live.
// Where time on a thread was measured, the app's time is drawn by share (not by moment): on a CPU, blocked, and
// awaiting with no thread (hatched), with the database round trips as thin bars over it.
import { $, COLORS } from './format.js';
import { THREAD_COLORS } from './threads-held.js';

/** Diagonal stripes on white: time in the app holding no thread. */
function hatch(color) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 8;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
    return g.createPattern(canvas, 'repeat');
}

const WATERFALL_ROWS = 48;
const MAX_ROUND_TRIPS = 4;

export function createWaterfall(root, modes) {
    const bar = (label, color, extra = {}) => ({ label, backgroundColor: color, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1, ...extra });
    // One floating-bar dataset per segment slot (the waits, queued, run 0..n, db 0..n-1), all overlaid on their row.
    const datasets = [
        bar('before the server (X-LiveDash-Sent only)', COLORS.before),
        bar('waiting for a thread', COLORS.wait),
        bar('queued', COLORS.queued)];
    const firstRun = datasets.length;
    for (let i = 0; i <= MAX_ROUND_TRIPS; i++) {
        datasets.push(bar('running our code', COLORS.running));
        // A thin white edge keeps back-to-back round trips apart when our code between them takes microseconds.
        if (i < MAX_ROUND_TRIPS) datasets.push(bar('waiting on the database', COLORS.db, { borderColor: '#fff', borderWidth: { left: 1 }, borderSkipped: false, dbIndex: i }));
    }
    const split = datasets.length;
    datasets.push(bar('on a CPU (or waiting for one)', THREAD_COLORS.cpu), bar('blocked, holding a thread', THREAD_COLORS.blocked),
        bar('awaiting, no thread', hatch('#94a3b8')));
    const thinDb = datasets.length;
    for (let i = 0; i < MAX_ROUND_TRIPS; i++) datasets.push(bar('waiting on the database', COLORS.db, { barPercentage: 0.35, dbIndex: i }));
    let rows = [];
    const recent = [];
    // By default the app's requests only; the page's own traffic (data-waterfall-own: path prefixes) on request.
    const own = (root.dataset.waterfallOwn ?? '').split(',').filter(Boolean);
    const isOwn = route => own.some(p => route === p || route.startsWith(p.endsWith('/') ? p : p + '/') || (p.endsWith('*') && route.startsWith(p.slice(0, -1))));
    let showAll = false;
    const chart = new globalThis.Chart($('c-waterfall'), {
        type: 'bar',
        data: { labels: [], datasets },
        options: {
            animation: false, responsive: true, maintainAspectRatio: false, indexAxis: 'y',
            plugins: {
                legend: {
                    position: 'bottom',
                    labels: { boxWidth: 12, filter: (item, data) => data.datasets.findIndex(d => d.label === item.text) === item.datasetIndex },
                    onClick: () => { },
                },
                tooltip: {
                    callbacks: {
                        title: items => items.length ? rows[items[0].dataIndex]?.title ?? '' : '',
                        label: item => {
                            const [a, b] = item.raw.x;
                            const ds = item.dataset;
                            const name = ds.dbIndex !== undefined ? `database (${rows[item.dataIndex]?.labels[ds.dbIndex] ?? ''})` : ds.label;
                            return `${name}: ${(b - a).toFixed(1)} ms`;
                        },
                    },
                },
            },
            scales: {
                x: { type: 'linear', title: { display: true, text: 'ms, relative to the newest sampled request\'s arrival' }, grid: { color: '#eef1f5' } },
                y: { ticks: { autoSkip: true, font: { size: 10 }, callback: (_v, i) => rows[i]?.label ?? '' }, grid: { display: false } },
            },
        },
    });

    return {
        /** true: every sampled request, the dashboard's own included. */
        showAll(on) { showAll = on; },

        addTick(tick) {
            if (!tick.w) return;
            for (const w of tick.w) recent.push({ ...w, at: tick.t + w.s, names: w.l.map(i => tick.lb?.[i] ?? '') });
            if (recent.length > WATERFALL_ROWS * 4) recent.splice(0, recent.length - WATERFALL_ROWS * 4);
        },

        render() {
            const shown = (showAll ? recent : recent.filter(r => !isOwn(r.r))).slice(-WATERFALL_ROWS).sort((a, b) => a.at - b.at);
            const base = shown.length ? Math.max(...shown.map(r => r.at)) : 0;
            const labels = [];
            rows = [];
            for (const d of datasets) d.data = [];
            let bars = 0;
            shown.forEach((r, i) => {
                // Rows are keyed by index so two requests with the same route still get a row each.
                const label = String(i);
                labels.push(label);
                rows.push({
                    label: `${modes.short[r.m] ?? '?'} ${r.r} ${r.c}`, labels: r.names,
                    title: `${r.r} → ${r.c} (${modes.names[r.m]}) ${(r.d + (r.wt ?? 0)).toFixed(1)} ms from arrival, ${r.d.toFixed(1)} ms in app`
                        + (r.ot != null ? `, ${r.ot.toFixed(1)} ms on a thread (${r.bl.toFixed(1)} blocked)` : ''),
                });
                const t0 = r.at - base;
                const add = (set, a, b) => { if (b > a) { set.data.push({ x: [t0 + a, t0 + b], y: label, row: i }); bars++; } };
                const wait = r.wt ?? 0;
                if (r.b != null) add(datasets[0], -wait - r.b, -wait);
                add(datasets[1], -wait, 0);
                add(datasets[2], 0, r.q);
                if (r.ot != null) {
                    // By share: of the time after the queue, on a CPU, then blocked, then awaiting with no thread.
                    const span = r.d - r.q, cpu = Math.min(r.oc, span), blocked = Math.min(r.bl, span - cpu);
                    add(datasets[split], r.q, r.q + cpu);
                    add(datasets[split + 1], r.q + cpu, r.q + cpu + blocked);
                    add(datasets[split + 2], r.q + cpu + blocked, r.d);
                    for (let k = 0; k < r.db.length / 2; k++) add(datasets[thinDb + k], r.db[2 * k], r.db[2 * k + 1]);
                    return;
                }
                let cursor = r.q, slot = 0;
                for (let k = 0; k < r.db.length / 2; k++) {
                    add(datasets[firstRun + 2 * slot], cursor, r.db[2 * k]);
                    add(datasets[firstRun + 1 + 2 * slot], r.db[2 * k], r.db[2 * k + 1]);
                    cursor = r.db[2 * k + 1];
                    slot++;
                }
                add(datasets[firstRun + 2 * slot], cursor, r.d);
            });
            chart.data.labels = labels;
            chart.update('none');
            root.dataset.waterfallBars = String(bars);
            root.dataset.waterfallBlockedBars = String(datasets[split + 1].data.length);
            root.dataset.waterfallAwaitingBars = String(datasets[split + 2].data.length);
        },
    };
}
