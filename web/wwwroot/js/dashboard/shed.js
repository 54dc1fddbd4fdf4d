// Admission control in the header strip: store requests shed per second (answered 503 at once because maxInFlight
// were at work and maxQueued waiting), from the tick's "shd"; its title gives the limits and how full they are ("adm").
import { $ } from '../../_content/LiveDash.AspNetCore/js/format.js';

export function wireShed(root, view) {
    const stat = $('s-shed');
    if (!stat) return;
    root.addEventListener('livedash:tick', e => {
        const tick = e.detail;
        if (view.paused || tick.shd === undefined) return;
        stat.textContent = tick.shd >= 10 ? tick.shd.toFixed(0) : String(tick.shd);
        stat.classList.toggle('bad', tick.shd > 0);
        const [inFlight, maxInFlight, queued, maxQueued] = tick.adm ?? [];
        stat.title = tick.adm ? `store requests in flight ${inFlight} of ${maxInFlight}, queued ${queued} of ${maxQueued}; `
            + 'beyond both, a request is refused at once with 503 and Retry-After' : '';
    });
}
