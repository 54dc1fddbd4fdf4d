// A SignalR connection to one of the app's hubs: its stream (the ticks, the farm's frames), settings changes, reconnects.

export function connectHub(url, { stream = 'Ticks', onItem, onSettingsChanged, onStatus }) {
    const connection = new globalThis.signalR.HubConnectionBuilder()
        .withUrl(url)
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(10_000, 500 * 2 ** Math.min(ctx.previousRetryCount, 5)) })
        .configureLogging(globalThis.signalR.LogLevel.Warning)
        .build();

    if (onSettingsChanged) connection.on('SettingsChanged', onSettingsChanged);

    function subscribe() {
        connection.stream(stream).subscribe({
            next: onItem,
            error: err => onStatus('stream ended: ' + (err?.message ?? err), 'down'),
            complete: () => { },
        });
    }

    connection.onreconnecting(() => onStatus('reconnecting…', 'warn'));
    connection.onreconnected(() => { onStatus('live', 'up'); subscribe(); });
    connection.onclose(() => { onStatus('disconnected — retrying', 'down'); setTimeout(start, 3000); });

    async function start() {
        try {
            onStatus('connecting…', 'warn');
            await connection.start();
            onStatus('live', 'up');
            subscribe();
        } catch {
            onStatus('cannot connect — retrying', 'down');
            setTimeout(start, 3000);
        }
    }
    start();
    return connection;
}
