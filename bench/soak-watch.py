"""The soak's recorder and judge (bench/soak.sh runs it).

  soak-watch.py watch DIR   records into DIR every EVERY s (default 10) until DURATION, from DIR/meta.json:
                            each process's resident memory, open descriptors and threads (processes.csv); each
                            minute the run's requests, errors and p99, the shed requests, both dashboards'
                            state and the warning/error log lines since the last minute (minutes.csv,
                            warnings.log). Then (or on SIGTERM/SIGINT) it writes the report.
  soak-watch.py report DIR  the table, the slopes after warm-up and the verdict: report.md, verdict.json and a
                            plot (plot.png with gnuplot, else plot.svg), printed too.
The admin password comes from SOAK_PASSWORD. Standard library only."""
import base64
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

MEMORY_MB_PER_HOUR = 10.0   # the bound after warm-up, per process
FLAT_ABSOLUTE, FLAT_RELATIVE = 3, 0.10   # descriptors and threads: fitted growth after warm-up within max(3, 10% of the median)

# What counts as a warning or error line, per log.
WARNING = {
    "apps": re.compile(r"^(warn|fail|crit): |\[(WARNING|ALERT|EMERG)\]|unhandled exception", re.I),
    "agent": re.compile(r"lost the server|waiting for the server|refused|exception|no answer|\bwarn|\bfail", re.I),
    "aspire": re.compile(r"^(warn|fail|crit): "),
    "postgres": re.compile(r"\b(WARNING|ERROR|FATAL|PANIC):"),
}


def proc_figures(pid):
    """(resident MiB, open descriptors, threads, anonymous resident MiB, file-backed and shared resident MiB) of one
    process, or None when it is gone. The anonymous part is what the process allocated (heaps, stacks); the file-backed
    and shared part is pages of mapped files (the runtime's and the app's libraries) and the runtime's shared mapping of
    its JIT-compiled code."""
    try:
        with open(f"/proc/{pid}/status") as f:
            status = f.read()
        kb = lambda key: int(re.search(rf"^{key}:\s+(\d+)", status, re.M).group(1))
        threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))
        return kb("VmRSS") / 1024, len(os.listdir(f"/proc/{pid}/fd")), threads, kb("RssAnon") / 1024, (kb("RssFile") + kb("RssShmem")) / 1024
    except (OSError, AttributeError):
        return None


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def postgres_figures(postmaster):
    """PostgreSQL as one: proportional set size summed over the postmaster and its children (shared buffers
    counted once), their descriptors summed, and the number of processes in place of threads."""
    pids = [postmaster] + children(postmaster)
    pss = fds = n = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                pss += int(re.search(r"^Pss:\s+(\d+)", f.read(), re.M).group(1))
            fds += len(os.listdir(f"/proc/{pid}/fd"))
            n += 1
        except (OSError, AttributeError):
            pass
    return (pss / 1024, fds, n) if n else None


def get_json(url, password, timeout=10):
    request = urllib.request.Request(url, headers={"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def last_status(path):
    try:
        with open(path) as f:
            lines = f.read().split("\n")
        parts = [l for l in lines if l.strip()][-1].split()
        return int(parts[1]), parts[2], int(parts[3])
    except (OSError, IndexError, ValueError):
        return 0, "none", 0


def watch(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    password = os.environ.get("SOAK_PASSWORD", "")
    duration, every, minute = meta["duration"], meta.get("every", 10), 60
    offsets = {name: os.path.getsize(path) if os.path.exists(path) else 0 for name, path in meta["logs"].items()}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    processes = open(os.path.join(out, "processes.csv"), "w", newline="", buffering=1)
    minutes = open(os.path.join(out, "minutes.csv"), "w", newline="", buffering=1)
    warnings = open(os.path.join(out, "warnings.log"), "w", buffering=1)
    pw, mw = csv.writer(processes), csv.writer(minutes)
    pw.writerow(["t_s", "process", "rss_mb", "fds", "threads", "anon_mb", "file_mb"])
    mw.writerow(["t_s", "requests", "errors", "p99_ms", "rps", "run_state", "agent_state", "shed", "live_ticks", "live_state", "stalled_state", "stalled_unread", "warnings"])
    start = meta["started"]
    t = 0
    while not stop:
        for name, pid in meta["processes"].items():
            figures = postgres_figures(pid) if name == "postgres" else proc_figures(pid)
            if figures:
                pw.writerow([t, name, f"{figures[0]:.1f}", figures[1], figures[2]] + [f"{v:.1f}" for v in figures[3:]])
        processes.flush()
        if t % minute == 0 or t >= duration:
            run, shed, lines = {}, 0, []
            try:
                run = get_json(f"{meta['url']}/admin/api/load/runs/{meta['run']}", password)
            except Exception as e:   # noqa: BLE001 - recorded, judged later
                run = {"state": f"unread ({type(e).__name__})"}
            for instance in meta["instances"]:
                try:
                    shed += int(get_json(f"{instance}/admin/api/telemetry/summary?seconds={minute}", password).get("shed", 0))
                except Exception:   # noqa: BLE001
                    pass
            for name, path in meta["logs"].items():
                try:
                    with open(path, "rb") as f:
                        f.seek(offsets[name])
                        data = f.read()
                    offsets[name] += len(data)
                except OSError:
                    continue
                pattern = WARNING["apps" if name == "up" else name]
                lines += [(name, l) for l in data.decode("utf-8", "replace").splitlines() if pattern.search(l)]
            for name, line in lines:
                warnings.write(f"{t} {name}: {line}\n")
            live, stalled = last_status(meta["live_status"]), last_status(meta["stalled_status"])
            agents = run.get("agents") or [{}]
            mw.writerow([t, run.get("requests", ""), run.get("errors", ""), run.get("p99Ms", ""), run.get("rps", ""), run.get("state", ""),
                         agents[0].get("state", ""), shed, live[0], live[1], stalled[1], stalled[2], len(lines)])
            minutes.flush()
            print(f"  {t // 60:3d} min: {run.get('requests', '?')} requests, {run.get('errors', '?')} errors, p99 {run.get('p99Ms', '?')} ms, "
                  f"run {run.get('state', '?')}, agent {agents[0].get('state', '?')}, {len(lines)} warning lines", flush=True)
        if t >= duration:
            break
        t = min(t + every, duration)
        while not stop and time.time() < start + t:
            time.sleep(min(1.0, max(0.0, start + t - time.time())))
    meta["recorded"] = t
    json.dump(meta, open(os.path.join(out, "meta.json"), "w"), indent=1)
    # The run's last word once it has ended (its final figures), up to 30 s after its duration.
    if not stop:
        final = None
        for _ in range(30):
            try:
                final = get_json(f"{meta['url']}/admin/api/load/runs/{meta['run']}", password)
                if final.get("state") not in ("running", "stopping"):
                    break
            except Exception:   # noqa: BLE001
                pass
            time.sleep(1)
        if final:
            json.dump(final, open(os.path.join(out, "run.json"), "w"), indent=1)
    return report(out)


def fit(points):
    """Least-squares slope per second and intercept of [(t, y)]."""
    n = len(points)
    if n < 2:
        return 0.0, points[0][1] if points else 0.0
    mt = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    var = sum((p[0] - mt) ** 2 for p in points)
    slope = sum((p[0] - mt) * (p[1] - my) for p in points) / var if var else 0.0
    return slope, my - slope * mt


def median(values):
    s = sorted(values)
    return (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2 if s else 0


def report(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    warm, duration = meta["warmup"], meta.get("recorded", meta["duration"])
    samples = {}
    split = {}   # process -> [(t, anonymous MB, file-backed MB)], when recorded (not for PostgreSQL)
    for row in csv.DictReader(open(os.path.join(out, "processes.csv"))):
        samples.setdefault(row["process"], []).append((int(row["t_s"]), float(row["rss_mb"]), int(row["fds"]), int(row["threads"])))
        if row.get("anon_mb"):
            split.setdefault(row["process"], []).append((int(row["t_s"]), float(row["anon_mb"]), float(row["file_mb"])))
    minutes = list(csv.DictReader(open(os.path.join(out, "minutes.csv"))))
    run = json.load(open(os.path.join(out, "run.json"))) if os.path.exists(os.path.join(out, "run.json")) else {}
    window = max(0, duration - warm)
    figures, checks = {}, []

    def check(name, ok, detail):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    for name, rows in samples.items():
        after = [r for r in rows if r[0] >= warm] or rows
        rss_slope, _ = fit([(r[0], r[1]) for r in after])
        fds_slope, _ = fit([(r[0], r[2]) for r in after])
        thr_slope, _ = fit([(r[0], r[3]) for r in after])
        f = {
            "rss_start_mb": rows[0][1], "rss_warm_mb": after[0][1], "rss_end_mb": rows[-1][1],
            "rss_slope_mb_per_hour": round(rss_slope * 3600, 1), "rss_growth_mb": round(rss_slope * window, 1),
            "fds_warm": after[0][2], "fds_end": rows[-1][2], "fds_min": min(r[2] for r in after), "fds_max": max(r[2] for r in after),
            "fds_change": round(fds_slope * window, 1),
            "threads_warm": after[0][3], "threads_end": rows[-1][3], "threads_min": min(r[3] for r in after), "threads_max": max(r[3] for r in after),
            "threads_change": round(thr_slope * window, 1),
            "samples_after_warmup": len(after),
        }
        parts = [r for r in split.get(name, []) if r[0] >= warm]
        if parts:
            f["anon_warm_mb"], f["anon_end_mb"] = parts[0][1], parts[-1][1]
            f["anon_slope_mb_per_hour"] = round(fit([(r[0], r[1]) for r in parts])[0] * 3600, 1)
            f["file_warm_mb"], f["file_end_mb"] = parts[0][2], parts[-1][2]
            f["file_slope_mb_per_hour"] = round(fit([(r[0], r[2]) for r in parts])[0] * 3600, 1)
        fds_tolerance = max(FLAT_ABSOLUTE, FLAT_RELATIVE * median([r[2] for r in after]))
        thr_tolerance = max(FLAT_ABSOLUTE, FLAT_RELATIVE * median([r[3] for r in after]))
        f["memory_ok"] = f["rss_slope_mb_per_hour"] <= MEMORY_MB_PER_HOUR
        # Flat: no growth beyond the tolerance (a leak grows; a count that falls back after warm-up is no leak).
        f["fds_flat"] = f["fds_change"] <= fds_tolerance
        f["threads_flat"] = f["threads_change"] <= thr_tolerance
        figures[name] = f
        check(f"{name}: memory", f["memory_ok"], f"{f['rss_slope_mb_per_hour']:+.1f} MB/h after warm-up (bound {MEMORY_MB_PER_HOUR:.0f}), {f['rss_growth_mb']:+.1f} MB over {window / 60:.0f} min")
        check(f"{name}: descriptors flat", f["fds_flat"], f"{f['fds_change']:+.1f} fitted over {window / 60:.0f} min (tolerance {fds_tolerance:.0f}), {f['fds_min']}-{f['fds_max']}")
        check(f"{name}: {'processes' if name == 'postgres' else 'threads'} flat", f["threads_flat"], f"{f['threads_change']:+.1f} fitted (tolerance {thr_tolerance:.0f}), {f['threads_min']}-{f['threads_max']}")

    last = run or (minutes[-1] if minutes else {})
    requests = int(float(last.get("requests") or 0))
    errors = int(float(last.get("errors") or 0))
    shed = sum(int(m["shed"] or 0) for m in minutes)
    expected = meta["rate"] * meta["duration"]
    state = last.get("state") or last.get("run_state", "")
    completed = state == "completed" and duration >= meta["duration"]
    check("run completed its duration", completed and requests >= 0.9 * expected,
          f"state {state}, {duration} of {meta['duration']} s recorded, {requests} requests ({meta['rate']}/s x {meta['duration']} s = {expected:.0f})")
    check("errors 0 (or shed only)", errors == 0 or errors <= shed, f"{errors} errors, {shed} shed by the instances")
    lost = [m["t_s"] for m in minutes if m["agent_state"] in ("lost", "")]
    check("agent stayed connected", not lost and all(m["agent_state"] != "lost" for m in minutes),
          "lost at " + ", ".join(f"{int(t) // 60} min" for t in lost) if lost else f"{len(minutes)} minute samples, never lost")
    ticks = [int(m["live_ticks"]) for m in minutes]
    silent = [int(m["t_s"]) // 60 for a, m in zip(ticks, minutes[1:]) if int(m["live_ticks"]) <= a]
    check("live dashboard read ticks every minute", ticks and ticks[-1] > 0 and not silent,
          f"{ticks[-1] if ticks else 0} ticks" + (f"; none in minute(s) {silent}" if silent else ""))
    stalled_end = minutes[-1]["stalled_state"] if minutes else "none"
    check("stalled dashboard still connected", stalled_end == "established", f"its socket {stalled_end} (seen from its side, which reads nothing), {minutes[-1]['stalled_unread'] if minutes else 0} bytes unread")
    warning_count = sum(int(m["warnings"] or 0) for m in minutes)
    check("no warning or error line", warning_count == 0, f"{warning_count} (warnings.log)")
    passed = all(c["ok"] for c in checks)
    verdict = {"pass": passed, "duration": meta["duration"], "recorded": duration, "warmup": warm, "rate": meta["rate"], "scenario": meta["scenario"],
               "requests": requests, "errors": errors, "shed": shed, "p99_ms": last.get("p99Ms") or last.get("p99_ms"), "run_state": state,
               "warnings": warning_count, "processes": figures, "checks": checks}
    json.dump(verdict, open(os.path.join(out, "verdict.json"), "w"), indent=1)

    names = list(samples)
    md = [f"Soak: {meta['scenario']} at {meta['rate']}/s through HAProxy to 2 instances with --otel, one live and one stalled dashboard, "
          f"{duration // 60} min {duration % 60} s recorded of {meta['duration']} s; warm-up {warm} s.", "",
          "| min | requests | errors | shed | p99 ms | live ticks | warnings | " + " | ".join(f"{n} MB" for n in names) + " |",
          "|" + "---:|" * (7 + len(names))]
    at = {n: {r[0]: r for r in rows} for n, rows in samples.items()}
    for m in minutes:
        t = int(m["t_s"])
        p99 = f"{float(m['p99_ms']):.0f}" if m["p99_ms"] not in ("", None) else "-"
        md.append(f"| {t / 60:.0f} | {m['requests']} | {m['errors']} | {m['shed']} | {p99} | {m['live_ticks']} | {m['warnings']} | "
                  + " | ".join(f"{at[n][t][1]:.0f}" if t in at[n] else "-" for n in names) + " |")
    md += ["", f"After warm-up ({warm} s to {duration} s; slopes are least-squares fits over every {meta.get('every', 10)} s sample):", "",
           "| process | RSS start / warm / end MB | RSS slope MB/h | descriptors warm → end (min–max), fitted change | threads warm → end (min–max), fitted change |",
           "|---|---:|---:|---:|---:|"]
    for n, f in figures.items():
        md.append(f"| {n} | {f['rss_start_mb']:.0f} / {f['rss_warm_mb']:.0f} / {f['rss_end_mb']:.0f} | {f['rss_slope_mb_per_hour']:+.1f} | "
                  f"{f['fds_warm']} → {f['fds_end']} ({f['fds_min']}–{f['fds_max']}), {f['fds_change']:+.1f} | "
                  f"{f['threads_warm']} → {f['threads_end']} ({f['threads_min']}–{f['threads_max']}), {f['threads_change']:+.1f} |")
    if any("anon_warm_mb" in f for f in figures.values()):
        md += ["", "The resident memory's two parts after warm-up: anonymous (what the process allocated: the GC's heap, native "
               "heaps, stacks) and file-backed or shared (pages of mapped libraries, and the JIT-compiled code, which the "
               "runtime maps twice, writable and executable, through shared memory):", "",
               "| process | anonymous warm → end MB | slope MB/h | file-backed warm → end MB | slope MB/h |", "|---|---:|---:|---:|---:|"]
        for n, f in figures.items():
            if "anon_warm_mb" in f:
                md.append(f"| {n} | {f['anon_warm_mb']:.0f} → {f['anon_end_mb']:.0f} | {f['anon_slope_mb_per_hour']:+.1f} | "
                          f"{f['file_warm_mb']:.0f} → {f['file_end_mb']:.0f} | {f['file_slope_mb_per_hour']:+.1f} |")
    md += ["", f"Verdict: **{'PASS' if passed else 'FAIL'}**", ""] + [f"- {'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}" for c in checks]
    if "postgres" in figures:
        md += ["", "PostgreSQL is the postmaster and its backends together: memory is their proportional set size summed "
               "(shared buffers counted once), and its 'threads' are its processes."]
    plot = make_plot(out, samples, minutes, warm)
    if plot:
        md += ["", f"Plot: {plot}"]
    open(os.path.join(out, "report.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))
    return passed


def make_plot(out, samples, minutes, warm):
    """plot.png with gnuplot when it is installed, else plot.svg drawn here: resident memory of each process over time."""
    if shutil.which("gnuplot"):
        names = list(samples)
        for n in names:
            with open(os.path.join(out, f".plot-{n}.dat"), "w") as f:
                f.writelines(f"{r[0] / 60:.3f} {r[1]:.1f} {r[3]}\n" for r in samples[n])
        cols = 3
        rows = (len(names) + cols - 1) // cols
        script = [f"set terminal pngcairo size 1200,{330 * rows} font ',10'", f"set output '{os.path.join(out, 'plot.png')}'",
                  f"set multiplot layout {rows},{cols} title 'Resident memory (MB) over minutes; warm-up shaded'",
                  "set xlabel 'minutes'", "set grid", "unset key"]
        for n in names:
            ys = [r[1] for r in samples[n]]
            lo, hi = min(ys), max(ys)
            pad = max(5.0, (hi - lo) * 0.2)
            script += [f"set title '{n}'", f"set yrange [{max(0, lo - pad):.0f}:{hi + pad:.0f}]",
                       f"set object 1 rect from 0, graph 0 to {warm / 60:.3f}, graph 1 fc rgb '#eeeeee' fs solid noborder behind",
                       f"plot '{os.path.join(out, f'.plot-{n}.dat')}' using 1:2 with lines lw 2 lc rgb '#1f77b4'"]
        script.append("unset multiplot")
        try:
            subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True, capture_output=True, timeout=60)
            for n in names:
                os.remove(os.path.join(out, f".plot-{n}.dat"))
            return "plot.png"
        except (subprocess.SubprocessError, OSError):
            pass
    return write_svg(out, samples, warm)


def write_svg(out, samples, warm):
    names = list(samples)
    cols, w, h = 3, 380, 220
    rows = (len(names) + cols - 1) // cols
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * w}" height="{rows * h + 30}" font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="13">Resident memory (MB) over minutes; warm-up shaded</text>']
    for i, n in enumerate(names):
        x0, y0 = (i % cols) * w + 45, (i // cols) * h + 45
        pw, ph = w - 65, h - 60
        pts = samples[n]
        tmax = max(max(r[0] for r in pts), 1)
        lo, hi = min(r[1] for r in pts), max(r[1] for r in pts)
        pad = max(5.0, (hi - lo) * 0.2)
        lo, hi = max(0.0, lo - pad), hi + pad
        sx = lambda t: x0 + pw * t / tmax
        sy = lambda v: y0 + ph - ph * (v - lo) / (hi - lo)
        svg.append(f'<rect x="{x0}" y="{y0}" width="{sx(min(warm, tmax)) - x0:.1f}" height="{ph}" fill="#eee"/>')
        svg.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        svg.append(f'<text x="{x0}" y="{y0 - 6}" font-weight="bold">{n}</text>')
        for v in (lo, (lo + hi) / 2, hi):
            svg.append(f'<text x="{x0 - 4}" y="{sy(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        for t in (0, tmax / 2, tmax):
            svg.append(f'<text x="{sx(t):.1f}" y="{y0 + ph + 14}" text-anchor="middle">{t / 60:.0f}</text>')
        svg.append('<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="' + " ".join(f"{sx(r[0]):.1f},{sy(r[1]):.1f}" for r in pts) + '"/>')
    svg.append("</svg>")
    open(os.path.join(out, "plot.svg"), "w").write("\n".join(svg) + "\n")
    return "plot.svg"


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("watch", "report"):
        sys.exit(__doc__)
    sys.exit(0 if (watch if sys.argv[1] == "watch" else report)(sys.argv[2]) else 1)
