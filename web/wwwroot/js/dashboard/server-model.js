// The server model in the header strip, and the store's part of the library's starvation banner: on N workers,
// requests wait in the workers' queue (the store's own); on the thread pool the library's rule decides.
import { $, fmtMs, serverModel as model } from '../../_content/LiveDash.AspNetCore/js/format.js';

export function wireServerModel(root, view) {
    root.addEventListener('livedash:tick', e => {
        if (!view.paused) renderStrip(e.detail);
    });
}

function renderStrip(tick) {
    $('s-model').textContent = model(tick.wk);
    const wq = $('s-wq');
    wq.textContent = tick.wk ? (tick.wq ? `${tick.wq} (oldest ${fmtMs(tick.wo)})` : '0') : 'n/a';
    wq.classList.toggle('bad', tick.wq > 0);
}

// On N workers (tick.wk) store requests wait for a worker, not for a thread; on the thread pool, no opinion.
export function workersReason(tick) {
    if (!tick.wk) return undefined;
    if (!tick.wq) return null;
    return {
        title: `${tick.wq} store request${tick.wq === 1 ? '' : 's'} waiting for a worker; the oldest has waited ${fmtMs(tick.wo)}.`,
        what: `The server does nothing about it: ${model(tick.wk)} is all it has (workers = ${tick.wk}). `
            + 'A blocking handler holds its worker for the whole database wait; async handlers hand it back at every await.',
    };
}
