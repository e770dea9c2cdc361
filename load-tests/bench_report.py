#!/usr/bin/env python3
"""The report of scripts/bench.sh (make bench): reads OUT_DIR/runs.tsv, OUT_DIR/machine.txt and
the JSON results, prints the side-by-side table, and with --doc rewrites the section of
docs/PERFORMANCE.md between BEGIN and END below (everything outside the markers is kept; without
markers the section is appended).

Numbers are copied, never adjusted: a run that failed, timed out or was skipped says so in its
cell, and ratios are given only between runs that completed without errors.
"""
import argparse
import csv
import json
import os
import re
import sys

BEGIN = '<!-- bench:begin -->'
END = '<!-- bench:end -->'
TARGETS = ('parley', 'ws', 'socketio')
TARGET_NAMES = {'parley': 'Parley', 'ws': 'ws peer', 'socketio': 'socket.io peer'}


def load_runs(out_dir):
    runs = {}
    with open(os.path.join(out_dir, 'runs.tsv'), newline='') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            row['result'] = None
            if row['json'] and os.path.exists(row['json']):
                try:
                    with open(row['json']) as j:
                        row['result'] = json.load(j)
                except (OSError, ValueError):
                    row['result'] = None
            runs[row['id']] = row
    return runs


def load_machine(out_dir):
    m = {}
    with open(os.path.join(out_dir, 'machine.txt')) as f:
        for line in f:
            k, _, v = line.rstrip('\n').partition('=')
            m[k] = v
    return m


def metric(run):
    """The run's main number, or None."""
    r = run['result'] if run else None
    if not r:
        return None
    s = run['scenario']
    if s in ('fanout', 'tcp-limit'):
        return r['rates_per_s'].get('deliveries')
    if s == 'throughput':
        return r['rates_per_s'].get('acked_msgs')
    if s == 'history':
        return r['rates_per_s'].get('pages')
    if s == 'idle':
        return r['info'].get('server_bytes_per_connection')
    if s == 'cpu-stalls':
        return r['rates_per_s'].get('stalls_ge_1ms_per_thread')
    return None


def good(run):
    """True when the run completed, measured work, and reported no error."""
    return bool(run and run['status'] == 'ran' and run['rc'] == '0' and run['result'] and
                run['result'].get('ok'))


def why_not(run):
    """Why a run has no trustworthy number: a short phrase."""
    if run is None:
        return 'not run'
    st = run['status']
    if st.startswith('skipped:'):
        return 'skipped (time budget)'
    if st.startswith('not_run:'):
        return 'not run (npm ci failed)'
    if st.startswith('failed:'):
        return 'FAILED (' + st.split(':', 1)[1].replace('_', ' ') + ')'
    r = run['result']
    if not r:
        return f'FAILED (exit {run["rc"]}, no result)'
    errs = r.get('errors', {}).get('by_kind', {})
    if errs:
        top = sorted(errs.items(), key=lambda kv: -kv[1])[:2]
        return 'FAILED (' + ', '.join(f'{k} {v}' for k, v in top).replace('|', '/') + ')'
    if r.get('timed_out'):
        return 'FAILED (hard timeout)'
    return f'FAILED (exit {run["rc"]})'


def num(v, digits=0):
    if v is None:
        return '–'
    if digits == 0:
        return f'{v:,.0f}'
    return f'{v:,.{digits}f}'


def cell(run, digits=0):
    if good(run):
        return num(metric(run), digits)
    if run and run['result'] and metric(run) is not None and run['status'] == 'ran':
        return f'{num(metric(run), digits)} — {why_not(run)}'
    return why_not(run)


def ratio(a, b):
    if not (good(a) and good(b)):
        return '–'
    x, y = metric(a), metric(b)
    if not x or not y:
        return '–'
    return f'{x / y:.2f}'


def latency(run, name):
    r = run['result'] if run else None
    if not r or name not in r.get('latency_us', {}):
        return '–', '–'
    h = r['latency_us'][name]
    if not h.get('count'):
        return '–', '–'
    return f'{h["p50"] / 1000:.2f}', f'{h["p99"] / 1000:.2f}'


def info(run, key, digits=2):
    r = run['result'] if run else None
    if not r or key not in r.get('info', {}):
        return '–'
    v = r['info'][key]
    return f'{v:.{digits}f}' if isinstance(v, (int, float)) else str(v)


def param(run, key):
    r = run['result'] if run else None
    return r['parameters'].get(key) if r else None


def target_key(target):
    return 'parley' if target.startswith('parley') else target


def best_peer(runs, m, peer):
    """A peer's fan-out run at M members to compare with: of its runs at every window
    (fanout-M-PEER and fanout-M-PEER-wN), the good one with the highest number; when none is
    good, the run at the main window (which says why)."""
    pattern = re.compile(rf'fanout-{m}-{peer}(-w\d+)?$')
    found = [r for rid, r in runs.items() if pattern.match(rid)]
    good_runs = [r for r in found if good(r) and metric(r)]
    if good_runs:
        return max(good_runs, key=metric)
    return runs.get(f'fanout-{m}-{peer}')


def window_note(run):
    w = param(run, 'window')
    return f' (window {w})' if good(run) and w is not None else ''


def main_table(runs, members):
    out = []
    out.append('| scenario | unit | Parley | ws peer | socket.io peer | Parley/ws | '
               'Parley/socket.io | TCP limit, 1 frame/send | TCP limit, 16 frames/send | '
               'Parley/limit 1 | Parley/limit 16 |')
    out.append('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    for m in members:
        p = runs.get(f'fanout-{m}-parley-fast')
        w = best_peer(runs, m, 'ws')
        s = best_peer(runs, m, 'socketio')
        l1 = runs.get(f'tcp-limit-{m}-x1')
        l16 = runs.get(f'tcp-limit-{m}-x16')
        out.append(f'| fanout, {m} members | deliveries/s | {cell(p)} | '
                   f'{cell(w)}{window_note(w)} | {cell(s)}{window_note(s)} | '
                   f'{ratio(p, w)} | {ratio(p, s)} | {cell(l1)} | {cell(l16)} | '
                   f'{ratio(p, l1)} | {ratio(p, l16)} |')
    for m in members:
        f = runs.get(f'fanout-{m}-parley-fsync')
        if not f:
            continue
        w, s = best_peer(runs, m, 'ws'), best_peer(runs, m, 'socketio')
        l1, l16 = runs.get(f'tcp-limit-{m}-x1'), runs.get(f'tcp-limit-{m}-x16')
        out.append(f'| fanout, {m} members, Parley with fsync | deliveries/s | {cell(f)} | '
                   f'{cell(w)}{window_note(w)} | {cell(s)}{window_note(s)} | {ratio(f, w)} | '
                   f'{ratio(f, s)} | {cell(l1)} | '
                   f'{cell(l16)} | {ratio(f, l1)} | {ratio(f, l16)} |')
    w, s = runs.get('throughput-ws'), runs.get('throughput-socketio')
    for mode in ('fsync', 'fast'):
        p = runs.get(f'throughput-parley-{mode}')
        if not p:
            continue
        senders = param(p, 'senders') or ''
        out.append(f'| throughput, {senders} senders (DMs), Parley {mode} | acked msgs/s | '
                   f'{cell(p)} | {cell(w)} | {cell(s)} | {ratio(p, w)} | {ratio(p, s)} | '
                   '– | – | – | – |')
    p, w, s = runs.get('idle-parley-fast'), runs.get('idle-ws'), runs.get('idle-socketio')
    if p:
        n = param(p, 'connections') or ''
        out.append(f'| idle, {n} connections joined to one channel | server bytes/connection '
                   f'(lower is better) | {cell(p)} | {cell(w)} | {cell(s)} | {ratio(p, w)} | '
                   f'{ratio(p, s)} | – | – | – | – |')

        def setup(run):
            if not good(run):
                return why_not(run) if run else '–'
            return num(run['result']['rates_per_s'].get('connections_set_up'))
        out.append(f'| idle: set-up rate (connect + upgrade + auth + join) | connections/s | '
                   f'{setup(p)} | {setup(w)} | {setup(s)} | – | – | – | – | – | – |')
    h = runs.get('history-parley-fast')
    if h:
        out.append(f'| history, random pages of 50/100 | pages/s | {cell(h)} | n/a | n/a | – | – | '
                   '– | – | – | – |')
    return out


def latency_table(runs):
    """Issue 3's latency targets: p99 at half the measured maximum rate."""
    out = ['| run | paced at | p50 ms | p99 ms | p99.9 ms | target | met |',
           '|---|--:|--:|--:|--:|---|---|']
    rows = [('fanout-100-parley-fast-half', 'fanout, 100 members: send→receive', 'send->receive',
             'msgs/s', 10.0),
            ('history-parley-fast-half', 'history page', 'page', 'pages/s', 1.0)]
    for rid, label, name, unit, target in rows:
        run = runs.get(rid)
        if not run:
            continue
        if not good(run):
            out.append(f'| {label} | – | – | – | – | p99 < {target:g} ms | {why_not(run)} |')
            continue
        h = run['result'].get('latency_us', {}).get(name, {})
        rate = param(run, 'target_rate')
        p50, p99, p999 = (h.get(k) for k in ('p50', 'p99', 'p99_9'))
        fmt = lambda v: '–' if v is None else f'{v / 1000:.2f}'
        met = '–' if p99 is None else ('yes' if p99 / 1000 < target else 'no')
        out.append(f'| {label} | {num(rate)} {unit} | {fmt(p50)} | {fmt(p99)} | {fmt(p999)} | '
                   f'p99 < {target:g} ms | {met} |')
    return out if len(out) > 2 else []


def detail_table(runs):
    out = ['| run | target | main number | p50 ms | p99 ms | server CPU cores | '
           'generator CPU cores | status |', '|---|---|--:|--:|--:|--:|--:|---|']
    lat = {'fanout': 'send->receive', 'throughput': 'send->ack', 'history': 'page',
           'idle': 'connect+auth', 'cpu-stalls': 'stall'}
    for run in runs.values():
        sc = run['scenario']
        p50, p99 = latency(run, lat.get(sc, ''))
        cpu_key = 'process_cpu_cores' if sc in ('tcp-limit', 'cpu-stalls') else 'client_cpu_cores'
        v = metric(run)
        status = 'ok' if good(run) else why_not(run)
        out.append(f'| {run["id"]} | {run["target"]} | {num(v, 1 if sc == "cpu-stalls" else 0)} | '
                   f'{p50} | {p99} | '
                   f'{info(run, "server_cpu_cores")} | {info(run, cpu_key)} | {status} |')
    return out


def commands(runs):
    """One command line per kind of run, with paths and ports as placeholders."""
    seen, out = set(), []
    for run in runs.values():
        if not run['command']:
            continue
        # Parley's fsync runs differ from its fast ones (mode, window): one line each.
        kind = (run['scenario'], run['target'])
        if kind in seen:
            continue
        seen.add(kind)
        name = TARGET_NAMES.get(target_key(run['target']), 'itself')
        if run['target'].startswith('parley-'):
            name += f' ({run["target"][len("parley-"):]})'
        c = run['command']
        c = re.sub(r'--data-dir \S+', '--data-dir DATA', c)
        c = re.sub(r'--secret-file \S+', '--secret-file SECRET', c)
        c = re.sub(r'--json \S+', '--json OUT.json', c)
        out.append(f'- {kind[0]} against {name}: `{c}`')
    return out


def machine_line(m):
    mem_gib = int(m.get('mem_kb', '0') or 0) / 1024 / 1024
    parts = [f'{m.get("nproc", "?")} cores ({m.get("cpu", "?")})', f'{mem_gib:.1f} GiB RAM',
             f'Linux {m.get("kernel", "?")}', m.get('os', '?'),
             f'{m.get("compiler", "?")} ({m.get("build_type", "?")})', f'Node {m.get("node", "?")}']
    if m.get('ws_version'):
        parts.append(f'ws {m["ws_version"]}')
    if m.get('socketio_version'):
        parts.append(f'socket.io {m["socketio_version"]}')
    return ', '.join(parts)


def stalls_line(runs):
    """The stall probe's runs (parley-cpu-stalls) as one paragraph, or None without a good one."""
    parts = []
    for rid, label in (('cpu-stalls-all', 'with every core busy'),
                       ('cpu-stalls-one', 'with one core busy (`--threads 1`)')):
        run = runs.get(rid)
        if not good(run):
            continue
        r = run['result']
        rate = r['rates_per_s'].get('stalls_ge_1ms_per_thread')
        longest = r.get('latency_us', {}).get('stall', {}).get('max')
        lost = r['info'].get('lost_fraction')
        if rate is None or longest is None or lost is None:
            continue
        parts.append(f'{label}, {rate:.1f} stalls of 1 ms or more per core per second (the '
                     f'longest {longest / 1000:.1f} ms) and {lost * 100:.1f}% of the time in '
                     'gaps of 20 µs or more')
    if not parts:
        return None
    return ('**Stalls** (`parley-cpu-stalls`: one thread per core reads the clock and nothing '
            'else, so a gap is time its core did not run it): ' + '; '.join(parts) + '. A '
            'request that waits for a stalled core waits out the stall, whatever the server '
            'does.')


def report(out_dir):
    runs = load_runs(out_dir)
    m = load_machine(out_dir)
    members = []
    for rid in runs:
        mm = re.match(r'fanout-(\d+)-(parley-fast|ws|socketio)$', rid)
        if mm and int(mm.group(1)) not in members:
            members.append(int(mm.group(1)))
    members.sort()
    lines = [BEGIN,
             '<!-- Generated by scripts/bench.sh (load-tests/bench_report.py); edits between '
             'these markers are overwritten. -->',
             '',
             '## Side by side: Parley, two Node peers and the loopback limit (`make bench`)',
             '',
             f'**Command:** `make bench`, which runs `scripts/bench.sh`. This run: '
             f'`{m.get("command", "?")}`, {m.get("date", "?")}, commit {m.get("git", "?")}, '
             f'{m.get("seconds", "?")} s in all.',
             '',
             f'**Machine:** {machine_line(m)}. Load average {m.get("loadavg_start", "?")} before '
             f'the runs and {m.get("loadavg_end", "?")} after them. Other work on the machine '
             'competes with both the server and the generator; compare numbers within one run.',
             '']
    stalls = stalls_line(runs)
    if stalls:
        lines += [stalls, '']
    lines += main_table(runs, members)
    lat = latency_table(runs)
    if lat:
        lines += ['', '**Latency at half the maximum rate** (the unpaced run above measured the '
                  'maximum; this run is paced with `--rate` at half of it; the fan-out generator '
                  'on one thread per core):', ''] + lat
    lines += ['',
              'Parley ran with `--durability fast` (stored in RocksDB, not fsynced) except in '
              'the rows that say fsync. The peers store nothing and verify no token (see "What '
              'the side-by-side table compares" below). Ratios are given only when both runs '
              'completed with no errors; above 1 means Parley did more (for bytes/connection: '
              'Parley used more). Every target was started fresh for each run and shared the '
              'cores with the generator (one thread; one per core in the paced fan-out run) and '
              'nothing else of ours.',
              '',
              '<details><summary>Every run: latency, CPU, status</summary>',
              '',
              'Latency: fanout send→receive, throughput send→ack, history page, idle '
              'connect+auth, cpu-stalls the stalls themselves (main number: stalls of 1 ms or '
              'more per core per second). CPU in cores over the measured window. For '
              '`tcp-limit` and `cpu-stalls` the "generator" column is the whole probe process.',
              '']
    lines += detail_table(runs)
    lines += ['', '</details>', '', '**How each kind of run was started** (placeholders for '
              'paths and ports):', '']
    lines += commands(runs)
    lines += ['', END]
    return '\n'.join(lines) + '\n'


def rewrite(doc, section):
    text = open(doc).read() if os.path.exists(doc) else ''
    b, e = text.find(BEGIN), text.find(END)
    if b >= 0 and e > b:
        after = text[e + len(END):].lstrip('\n')
        text = text[:b] + section + ('\n' + after if after else '')
    else:
        text = text.rstrip('\n') + '\n\n' + section
    tmp = doc + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out-dir', required=True)
    ap.add_argument('--doc', help='rewrite this file\'s generated section')
    a = ap.parse_args()
    section = report(a.out_dir)
    print(section)
    if a.doc:
        rewrite(a.doc, section)
    return 0


if __name__ == '__main__':
    sys.exit(main())
