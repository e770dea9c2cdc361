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


if __name__ == '__main__':
    unittest.main()
