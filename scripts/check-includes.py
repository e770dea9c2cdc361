#!/usr/bin/env python3
"""Checks every #include of the C++ tree against the layering rules (docs/ARCHITECTURE.md):
each folder may include only the layers below it, never one above. Also: in server/, only the
one write path (server/ops/src/writes.cpp, class Writes) submits to the store; everything else
calls Writes::submit. Exit status 1 and one line per violation (file:line: what it includes or
calls, and the rule) when a rule is broken.

Usage: scripts/check-includes.py [ROOT]        (ROOT: the source tree, default: this checkout)
       scripts/check-includes.py --self-test   (a made-up tree with known violations)

What an include names is decided from its text: "parley/<lib>/…" is that library's public
header; <boost/asio…>, <boost/beast…> are Asio/Beast; <rocksdb/…> RocksDB; <xapian.h> Xapian;
any other quoted include is resolved against the including file's folder (and must stay in a
folder the file may use). The most specific folder rule (longest prefix) applies to a file.
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != '--self-test' else
                       os.path.join(os.path.dirname(__file__), '..'))

# What a folder's files may include: names of layers (see LAYER_OF below). Folders not listed
# (tests/, the fuzz targets) may include anything.
RULES = {
    'protocol': {'protocol'},
    'storage': {'protocol', 'storage', 'rocksdb'},
    'storage/search': {'protocol', 'storage', 'search', 'xapian'},
    'server/advocacy': {'protocol', 'advocacy'},
    'server/asio': {'asio'},
    'server/fanout': {'protocol', 'fanout', 'asio'},
    'server/net': {'protocol', 'fanout', 'net', 'asio'},
    'server/cluster': {'cluster'},
    'server/ops': {'protocol', 'storage', 'search', 'advocacy', 'fanout', 'net', 'cluster', 'ops',
                   'asio'},
    'server/api': {'protocol', 'storage', 'search', 'advocacy', 'fanout', 'net', 'cluster', 'ops',
                   'api', 'asio'},
    'server/app': {'protocol', 'storage', 'search', 'advocacy', 'fanout', 'net', 'cluster', 'ops',
                   'api', 'server', 'asio'},
    'server': {'protocol', 'storage', 'search', 'advocacy', 'fanout', 'net', 'cluster', 'ops',
               'api', 'server', 'asio', 'rocksdb'},
    'clients/cli': {'protocol', 'client', 'asio'},
    'load-tests': {'protocol', 'client', 'asio', 'load-tests'},
}

# Public headers by their include text.
PUBLIC = [
    (re.compile(r'^parley/protocol/'), 'protocol'),
    (re.compile(r'^parley/storage/'), 'storage'),
    (re.compile(r'^parley/search/'), 'search'),
    (re.compile(r'^parley/advocacy/'), 'advocacy'),
    (re.compile(r'^parley/fanout/'), 'fanout'),
    (re.compile(r'^parley/net/'), 'net'),
    (re.compile(r'^parley/cluster/'), 'cluster'),
    (re.compile(r'^parley/ops/'), 'ops'),
    (re.compile(r'^parley/api/'), 'api'),
    (re.compile(r'^parley/server/'), 'server'),
    (re.compile(r'^boost/(asio|beast)\b'), 'asio'),
    (re.compile(r'^rocksdb/'), 'rocksdb'),
    (re.compile(r'^xapian'), 'xapian'),
    (re.compile(r'^ws_client\.hpp$'), 'client'),  # clients/cli's public header
]

# The layer a folder's own files belong to (for quoted includes resolved to a file).
LAYER_OF = [
    ('protocol', 'protocol'),
    ('storage/search', 'search'),
    ('storage', 'storage'),
    ('server/advocacy', 'advocacy'),
    ('server/asio', 'asio'),
    ('server/fanout', 'fanout'),
    ('server/net', 'net'),
    ('server/cluster', 'cluster'),
    ('server/ops', 'ops'),
    ('server/api', 'api'),
    ('server/app', 'server'),
    ('server', 'server'),
    ('clients/cli', 'client'),
    ('load-tests', 'load-tests'),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = ('.cpp', '.hpp', '.h', '.cc')


def longest(table, rel):
    best = None
    for prefix, value in table:
        if rel == prefix or rel.startswith(prefix + '/'):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, value)
    return best


def layer_of_path(rel):
    hit = longest(LAYER_OF, rel)
    return hit[1] if hit else None


def check(rel, rules):
    violations = []
    path = os.path.join(ROOT, rel)
    folder = os.path.dirname(path)
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.group(1), m.group(2)
            layer = None
            for pattern, lib in PUBLIC:
                if pattern.search(name):
                    layer = lib
                    break
            if layer is None and kind == '"':
                target = os.path.normpath(os.path.join(folder, name))
                if os.path.exists(target):
                    layer = layer_of_path(os.path.relpath(target, ROOT))
                    if layer is None:
                        layer = os.path.relpath(target, ROOT)  # outside every layer: reported
            if layer is None:
                continue  # the standard library, a third-party header, a private header by -I
            if layer not in rules[1]:
                violations.append(f'{rel}:{n}: includes {name} ({layer}); {rules[0]}/ may '
                                  f'include only {", ".join(sorted(rules[1]))}')
    return violations


# A call of Store::submit (`store.submit(`, `store_->submit(`, `store().submit(`, …).
STORE_SUBMIT = re.compile(r'\b\w*store\w*\s*(\(\))?\s*(\.|->)\s*submit\s*\(')
# The one file that may make it (docs/ARCHITECTURE.md, "One write path").
WRITE_PATH = 'server/ops/src/writes.cpp'


def check_writes(rel):
    if not rel.startswith('server/') or rel == WRITE_PATH:
        return []
    violations = []
    with open(os.path.join(ROOT, rel), encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            code = line.split('//', 1)[0]
            if STORE_SUBMIT.search(code):
                violations.append(f'{rel}:{n}: submits to the store directly; every write goes '
                                  f'through Writes::submit ({WRITE_PATH})')
    return violations


def main():
    violations = []
    checked = 0
    for top in ('protocol', 'storage', 'server', 'clients', 'load-tests'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ('node_modules', 'build')]
            for name in filenames:
                if not name.endswith(SOURCES):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
                rules = longest(((k, (k, v)) for k, v in RULES.items()), rel)
                if rules is None:
                    continue
                checked += 1
                violations += check(rel, rules[1])
                violations += check_writes(rel)
    for v in violations:
        print(v)
    if checked < 100:
        print(f'only {checked} files checked: is {ROOT} the source tree?')
        return 1
    print(f'{checked} files checked, {len(violations)} violation(s) of the layering rules')
    return 1 if violations else 0


def self_test():
    """The checker finds what it must: a made-up tree, three include violations, three allowed
    includes, and one direct store submit beside an allowed one."""
    import tempfile
    global ROOT
    with tempfile.TemporaryDirectory() as tmp:
        ROOT = tmp
        files = {
            'protocol/src/a.cpp': '#include "parley/storage/store.hpp"\n#include <string>\n',
            'storage/src/b.cpp': '#include "parley/protocol/types.hpp"\n#include "c.hpp"\n',
            'storage/src/c.hpp': '',
            'server/advocacy/src/d.cpp': '#include "../../src/hub.hpp"\n',
            'server/src/hub.hpp': '',
            'server/fanout/src/e.cpp': '#include "parley/fanout/shard.hpp"\n#include "../../src/hub.hpp"\n',
            'server/ops/src/f.cpp': 'void f() {\n  core_.store.submit(std::move(req));\n}\n',
            WRITE_PATH: 'bool g() { return store_->submit(std::move(req)); }\n',
        }
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), 'w') as f:
                f.write(text)
        found = []
        for rel in files:
            rules = longest(((k, (k, v)) for k, v in RULES.items()), rel)
            found += check(rel, rules[1])
            found += check_writes(rel)
    expected = ['protocol/src/a.cpp:1:', 'server/advocacy/src/d.cpp:1:', 'server/fanout/src/e.cpp:2:',
                'server/ops/src/f.cpp:2:']
    ok = len(found) == 4 and all(any(v.startswith(e) for v in found) for e in expected)
    print('\n'.join(found))
    print('self-test', 'passed' if ok else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(self_test() if sys.argv[1:] == ['--self-test'] else main())
