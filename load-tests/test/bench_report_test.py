#!/usr/bin/env python3
"""Unit tests of load-tests/bench_report.py (make bench's report), on made-up results: which
peer run a ratio is taken against, and that failed runs never give a ratio."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import bench_report  # noqa: E402


class Results:
    """An OUT_DIR with runs.tsv, machine.txt and one JSON result per run."""

    def __init__(self, test):
        self.dir = tempfile.TemporaryDirectory()
        test.addCleanup(self.dir.cleanup)
        self.rows = []

    def add(self, rid, scenario, target, deliveries, window, ok=True, status='ran'):
        path = os.path.join(self.dir.name, rid + '.json')
        with open(path, 'w') as f:
            json.dump({'ok': ok, 'rates_per_s': {'deliveries': deliveries},
                       'parameters': {'window': window, 'members': 10}, 'info': {},
                       'latency_us': {}, 'errors': {'by_kind': {} if ok else {'lost': 3}}}, f)
        self.rows.append([rid, scenario, target, status, '0', '7', path, 'cmd ' + rid])

    def add_stalls(self, rid, per_s, longest_us, lost, ok=True):
        path = os.path.join(self.dir.name, rid + '.json')
        with open(path, 'w') as f:
            json.dump({'ok': ok, 'rates_per_s': {'stalls_ge_1ms_per_thread': per_s},
                       'parameters': {'threads': 2}, 'info': {'lost_fraction': lost,
                                                              'process_cpu_cores': 2.0},
                       'latency_us': {'stall': {'count': 7000, 'p50': 30.0, 'p99': 160.0,
                                                'max': longest_us}},
                       'errors': {'by_kind': {}}}, f)
        self.rows.append([rid, 'cpu-stalls', 'cpu', 'ran', '0' if ok else '1', '3', path,
                          'cmd ' + rid])

    def runs(self):
        with open(os.path.join(self.dir.name, 'runs.tsv'), 'w') as f:
            f.write('id\tscenario\ttarget\tstatus\trc\tseconds\tjson\tcommand\n')
            for r in self.rows:
                f.write('\t'.join(r) + '\n')
        with open(os.path.join(self.dir.name, 'machine.txt'), 'w') as f:
            f.write('nproc=2\ndate=today\n')
        return bench_report.load_runs(self.dir.name)


class BestPeer(unittest.TestCase):
    def test_the_peers_best_window_is_compared(self):
        r = Results(self)
        r.add('fanout-10-parley-fast', 'fanout', 'parley-fast', 300000, 128)
        r.add('fanout-10-parley-fsync', 'fanout', 'parley-fsync', 240000, 128)
        r.add('fanout-10-ws', 'fanout', 'ws', 60000, 128)
        r.add('fanout-10-ws-w32', 'fanout', 'ws', 80000, 32)
        r.add('fanout-10-socketio', 'fanout', 'socketio', 70000, 128)
        r.add('fanout-10-socketio-w32', 'fanout', 'socketio', 50000, 32)
        runs = r.runs()
        self.assertEqual(bench_report.best_peer(runs, 10, 'ws')['id'], 'fanout-10-ws-w32')
        self.assertEqual(bench_report.best_peer(runs, 10, 'socketio')['id'], 'fanout-10-socketio')
        table = '\n'.join(bench_report.main_table(runs, [10]))
        # 300000 / 80000 and 240000 / 80000 against ws; 300000 / 70000 against socket.io.
        self.assertIn('| 80,000 (window 32) | 70,000 (window 128) | 3.75 | 4.29 |', table)
        self.assertIn('Parley with fsync | deliveries/s | 240,000 | 80,000 (window 32) | '
                      '70,000 (window 128) | 3.00 | 3.43 |', table)

    def test_a_failed_run_is_never_the_best(self):
        r = Results(self)
        r.add('fanout-10-parley-fast', 'fanout', 'parley-fast', 300000, 128)
        r.add('fanout-10-ws', 'fanout', 'ws', 60000, 128)
        r.add('fanout-10-ws-w32', 'fanout', 'ws', 90000, 32, ok=False)
        runs = r.runs()
        self.assertEqual(bench_report.best_peer(runs, 10, 'ws')['id'], 'fanout-10-ws')
        self.assertIn('| 60,000 (window 128) |', '\n'.join(bench_report.main_table(runs, [10])))

    def test_no_good_run_gives_no_ratio(self):
        r = Results(self)
        r.add('fanout-10-parley-fast', 'fanout', 'parley-fast', 300000, 128)
        r.add('fanout-10-ws', 'fanout', 'ws', 60000, 128, status='failed:timeout')
        runs = r.runs()
        self.assertEqual(bench_report.best_peer(runs, 10, 'ws')['id'], 'fanout-10-ws')
        row = bench_report.main_table(runs, [10])[2]
        self.assertIn('FAILED (timeout)', row)
        self.assertEqual(row.split('|')[6].strip(), '–')  # Parley/ws


class Stalls(unittest.TestCase):
    def test_both_probe_runs_make_one_paragraph(self):
        r = Results(self)
        r.add_stalls('cpu-stalls-all', 2.46, 3231.3, 0.0525)
        r.add_stalls('cpu-stalls-one', 0.3, 2085.4, 0.049)
        line = bench_report.stalls_line(r.runs())
        self.assertIn('with every core busy, 2.5 stalls of 1 ms or more per core per second (the '
                      'longest 3.2 ms) and 5.2% of the time', line)
        self.assertIn('; with one core busy (`--threads 1`), 0.3 stalls', line)
        report = bench_report.report(r.dir.name)
        self.assertIn('**Stalls** (`parley-cpu-stalls`', report)
        self.assertIn('| cpu-stalls-all | cpu | 2.5 | 0.03 | 0.16 | – | 2.00 | ok |', report)

    def test_a_failed_probe_says_nothing(self):
        r = Results(self)
        r.add_stalls('cpu-stalls-all', 2.0, 3000.0, 0.05, ok=False)
        runs = r.runs()
        self.assertIsNone(bench_report.stalls_line(runs))
        self.assertNotIn('**Stalls**', bench_report.report(r.dir.name))


if __name__ == '__main__':
    unittest.main()
