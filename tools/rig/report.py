#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a rig test run from its two serial logs.

results.log (the guest's ttyS1) holds the KUnit KTAP of every suite and the
output of every igt binary between RIG-* markers; console.log (ttyS0) is the
kernel console. The run fails on any failed or crashed test, on a guest that
did not finish, and on any kernel report in the console log. The last line
printed is the summary: "N passed, N failed, N skipped".
"""
import argparse
import re
import subprocess
import sys

# Kernel reports that fail a run even when every test passed.
REPORTS = [
    (r'WARNING: .*lock|INFO: .*lock|possible (circular|recursive) locking|'
     r'inconsistent lock state|lock held when returning|'
     r'suspicious RCU usage|BUG: sleeping function|'
     r'trying to register non-static key|'
     r'turning off the locking correctness validator', 'lockdep'),
    (r'BUG: KASAN|KASAN: ', 'KASAN'),
    (r'kmemleak: \d+ new suspected memory leaks|unreferenced object 0x',
     'kmemleak'),
    (r'------------\[ cut here \]------------|WARNING: CPU: \d+', 'WARN'),
    (r'kernel BUG at|BUG: ', 'BUG'),
    (r'Oops|general protection fault|Kernel panic', 'Oops'),
    (r'rcu: INFO: .*detected stalls|rcu_.* self-detected stall', 'RCU stall'),
    (r'INFO: task .* blocked for more than', 'hung task'),
    (r'watchdog: BUG: soft lockup', 'soft lockup'),
    (r'UBSAN:', 'UBSAN'),
]

SUBTEST = re.compile(r'^Subtest (\S+): (SUCCESS|FAIL|SKIP|CRASH)')
# The lines of an igt binary's output that say why a subtest failed: quoted
# in the summary, so that its last lines (all a CI excerpt may keep) name
# the cause and the seed.
WHY = re.compile(r'FAILURE|[Aa]ssertion|Failed assertion|seed \d+|'
                 r'Last errno|error:|timed out|[Ss]tuck')
MAX_WHY = 12
KUNIT_DONE = re.compile(r'Testing complete\. Ran (\d+) tests?(?:: (.*))?')


def read(path):
    try:
        with open(path, errors='backslashreplace') as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def kunit_counts(suites, kunit_py, out):
    """Run kunit.py parse on all suites' KTAP joined as one document."""
    doc = ['KTAP version 1', f'1..{len(suites)}']
    for i, (name, lines) in enumerate(suites, 1):
        body = lines[2:] if lines[:1] == ['KTAP version 1'] else lines
        for line in body:
            m = re.match(r'^(ok|not ok) 1 (\S+)(.*)$', line)
            if m and m.group(2) == name:
                line = f'{m.group(1)} {i} {name}{m.group(3)}'
            doc.append(line)
    path = out + '/kunit.ktap'
    with open(path, 'w') as f:
        f.write('\n'.join(doc) + '\n')
    proc = subprocess.run([sys.executable, kunit_py, 'parse', path],
                          capture_output=True, text=True)
    print(proc.stdout, end='')
    counts = {'passed': 0, 'failed': 0, 'crashed': 0, 'skipped': 0,
              'errors': 0}
    m = None
    for line in proc.stdout.splitlines():
        m = KUNIT_DONE.search(line) or m
    if not m:
        print('rig: kunit.py parse gave no result:', proc.stderr.strip())
        counts['errors'] += 1
        return counts
    for part in (m.group(2) or '').split(','):
        if ':' in part:
            key, n = part.split(':')
            counts[key.strip()] = int(n)
    if proc.returncode != 0 and not (counts['failed'] or counts['crashed']
                                     or counts['errors']):
        counts['errors'] += 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--console', required=True)
    ap.add_argument('--results', required=True)
    ap.add_argument('--kunit-py', required=True)
    ap.add_argument('--subset', action='store_true',
                    help='only some tests were asked for (run.sh --only): '
                         'a run without KUnit suites is not a failure')
    ap.add_argument('--seed', help='the run\'s seed, repeated on failure')
    args = ap.parse_args()
    out = args.results.rsplit('/', 1)[0]

    results = read(args.results)
    console = read(args.console)
    passed = failed = skipped = 0
    problems = []

    suites = []
    cur = None
    igt = None
    leaks = []
    in_leaks = False
    for line in results:
        if line.startswith('RIG-KTAP-BEGIN '):
            cur = (line.split()[1], [])
            continue
        if line.startswith('RIG-KTAP-END'):
            suites.append(cur)
            cur = None
            continue
        if cur is not None:
            cur[1].append(line)
            continue
        if line.startswith('RIG-IGT-BEGIN '):
            igt = {'name': line.split()[1], 'sub': 0, 'fail': 0, 'why': []}
            print(f'== igt {igt["name"]}')
            continue
        if line.startswith('RIG-IGT-END ') and igt:
            rc = int(line.rsplit('rc=', 1)[1])
            if igt['sub'] == 0 and rc == 77:
                skipped += 1
            elif igt['sub'] == 0:
                problems.append(f'igt {igt["name"]}: no subtest ran (exit {rc})')
                failed += 1
            elif rc not in (0, 77) and igt['fail'] == 0:
                problems.append(f'igt {igt["name"]}: exit {rc} with no failed subtest')
                failed += 1
            igt = None
            continue
        if igt is not None:
            print('   ', line)
            if 'replay:' in line:
                igt['replay'] = line.strip()
            elif WHY.search(line):
                igt['why'].append(line.strip())
            m = SUBTEST.match(line)
            if m:
                igt['sub'] += 1
                if m.group(2) == 'SUCCESS':
                    passed += 1
                elif m.group(2) == 'SKIP':
                    skipped += 1
                else:
                    igt['fail'] += 1
                    failed += 1
                    why = ([igt['replay']] if 'replay' in igt else []) + \
                        igt['why'][-MAX_WHY:]
                    problems.append(f'igt {igt["name"]}: {m.group(1)} {m.group(2)}'
                                    + ''.join('\n    ' + w for w in why))
                igt['why'] = []
            continue
        if line == 'RIG-KMEMLEAK-BEGIN':
            in_leaks = True
            continue
        if line == 'RIG-KMEMLEAK-END':
            in_leaks = False
            continue
        if in_leaks:
            leaks.append(line)
            continue
        if line.startswith('RIG-RELOAD-OK'):
            passed += 1
        for tag in ('RIG-SETUP-FAILED', 'RIG-KUNIT-LOAD-FAILED', 'RIG-RELOAD-FAILED',
                    'RIG-KUNIT-UNLOAD-FAILED', 'RIG-UNLOAD-FAILED',
                    'RIG-DEVMEM-HELD'):
            if line.startswith(tag):
                problems.append(line)
                failed += 1
        if not line.startswith('RIG-'):
            print(line)

    if suites:
        c = kunit_counts(suites, args.kunit_py, out)
        passed += c['passed']
        skipped += c['skipped']
        bad = c['failed'] + c['crashed'] + c['errors']
        failed += bad
        if bad:
            problems.append(f'KUnit: {bad} failed, crashed or unparsable')
    elif not args.subset:
        problems.append('no KUnit suite ran')
        failed += 1
    if args.subset and not suites and passed + failed + skipped == 0:
        problems.append('none of the tests asked for ran')
        failed += 1

    if 'RIG-DONE' not in results:
        problems.append('the guest did not finish (see the console log)')
        failed += 1
    if any('unreferenced object' in l for l in leaks):
        problems.append('kmemleak found leaks:\n    ' + '\n    '.join(leaks[:40]))
        failed += 1

    reports = []
    for i, line in enumerate(console):
        for pattern, kind in REPORTS:
            if re.search(pattern, line):
                reports.append(f'{kind}: line {i + 1}: {line.strip()}')
                break
    if reports:
        problems.append(f'{len(reports)} kernel report line(s) in {args.console}:\n    '
                        + '\n    '.join(reports[:30]))
        failed += 1

    for p in problems:
        print('rig: FAIL:', p)
    if problems:
        print(f'rig: logs: {args.console} {args.results}')
        if args.seed:
            print(f'rig: seed {args.seed} (replay with --seed {args.seed}, '
                  f'make test SEED={args.seed})')
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    sys.exit(1 if problems or failed else 0)


if __name__ == '__main__':
    main()
