// Requests per end-to-end latency band over the last 10 s, zoomed to the populated range.
import { $, COLORS } from './format.js';

const HIST_TICKS = 40;                      // 10 s of ticks

export function createHistogram(root) {
    const edges = root.dataset.edges.split(',').map(Number);
    const edgeLabel = v => v >= 1000 ? (v / 1000) + ' s' : v + ' ms';
    const labels = ['< ' + edgeLabel(edges[0])];
    for (let i = 1; i < edges.length; i++) labels.push(edgeLabel(edges[i - 1]) + '–' + edgeLabel(edges[i]));
    labels.push('≥ ' + edgeLabel(edges[edges.length - 1]));
    const ticks = [];
    const chart = new globalThis.Chart($('c-histogram'), {
        type: 'bar',
        data: { labels, datasets: [{ label: 'requests', data: new Array(labels.length).fill(0), backgroundColor: COLORS.hist, barPercentage: 1, categoryPercentage: 0.95 }] },
        options: {
            animation: false, responsive: true, maintainAspectRatio: false,
            plugins: { legend: { display: false } },
            scales: {
                x: { ticks: { maxRotation: 60, minRotation: 45, autoSkip: true, font: { size: 10 } }, grid: { display: false }, title: { display: true, text: 'end-to-end latency' } },
                y: { beginAtZero: true, title: { display: true, text: 'requests' }, grid: { color: '#eef1f5' } },
            },
        },
    });

    return {
        addTick(tick) {
            ticks.push(tick.h);
            if (ticks.length > HIST_TICKS) ticks.shift();
        },

        render() {
            const sums = new Array(labels.length).fill(0);
            for (const h of ticks) for (let i = 0; i < h.length && i < sums.length; i++) sums[i] += h[i];
            // Show the populated range (plus a band either side) so a 25 ms peak does not shrink to a sliver.
            let lo = sums.findIndex(v => v > 0), hi = sums.length - 1 - [...sums].reverse().findIndex(v => v > 0);
            if (lo < 0) { lo = 8; hi = 22; }
            lo = Math.max(0, lo - 1); hi = Math.min(sums.length - 1, Math.max(hi + 1, lo + 8));
            chart.data.labels = labels.slice(lo, hi + 1);
            chart.data.datasets[0].data = sums.slice(lo, hi + 1);
            chart.update('none');
        },
    };
}
