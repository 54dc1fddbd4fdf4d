// The MongoDB driver's pool, from the tick's "mgo" figures (only with the MongoDB backend): a stat in the header
// strip, and a note while the driver fails to open connections or check one out. Under a starved thread pool its
// connect (a socket connect waited on) needs a pool thread to complete, so new connections time out.
import { $ } from '../../_content/LiveDash.AspNetCore/js/format.js';

const HOLD_MS = 3000;   // the note stays this long after the last failure, long enough to read

export function wireMongoPool(root) {
    const stat = $('s-mongo-stat'), note = $('mongo-note');
    if (!stat || !note) return;
    let lastFailure = 0;
    root.addEventListener('livedash:tick', e => {
        const m = e.detail?.mgo;
        if (!m) return;
        stat.hidden = false;
        $('s-mongo').textContent = `${m.use}/${m.open} · ${m.ofn} failed opens`;
        if (m.of > 0 || m.ct > 0) {
            lastFailure = Date.now();
            const parts = [`${m.of} connection${m.of === 1 ? '' : 's'} could not be opened in the last second: the driver's connect needs a pool thread`];
            if (m.ct > 0) parts.push(`${m.ct} checkout${m.ct === 1 ? '' : 's'} timed out waiting for a connection`);
            $('mongo-note-text').textContent = parts.join('; ') + '.';
            root.dataset.mongoFailing = 'true';
        }
        const show = Date.now() - lastFailure < HOLD_MS;
        note.hidden = !show;
        if (!show) delete root.dataset.mongoFailing;
    });
}
