#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a test guest's serial log into the result table.

Results come from the upstream formats, read with the upstream tools:

- test_progs: its result lines ("#12/3 test/subtest:OK", "#12 test:OK"; a
  test with subtests counts by its subtests, one without by itself), checked
  against the JSON report of the same run (test_progs -J, printed by the
  guest's /init between "=== TEST_PROGS-JSON-BEGIN" and "-END" markers).
  That report holds the run's counts, and the failed tests and subtests when
  test_progs ran without -v; a count that differs from the result lines means
  lines were lost on the console, a failure in it but not in the lines is
  added to the table.
- KUnit: the KTAP output of the boot (the log up to "=== GUEST-START"),
  parsed by tools/testing/kunit/kunit.py parse --json; the parsed tree and
  the JSON are kept next to the results file.

On top, the kernel log is scanned for what fails a run: oops, BUG, WARNING,
KASAN, UBSAN, lockdep, KCSAN reports in our code, kmemleak reports,
hung tasks and RCU stalls, a timeout, a guest that did not finish, a missing
expected result.  The summary lines of the stress, bench and holes tests
("name: key=value ...") are copied first, for make stress and make bench.

Output: summary lines, one line "NAME OK|FAIL|SKIP|MISSING" per test_progs
subtest or subtest-less test and per KUnit case (kunit/SUITE/CASE), NOTE
and PROBLEM lines, and last "N passed, N failed, N skipped".
"""

import argparse
import json
import os
import re
import subprocess
import sys

PRINTK = re.compile(r'^\[ *[0-9]+\.[0-9]+\] ')
TP_SUBTEST = re.compile(r'^#[0-9]+/[0-9]+ +([^ ]+?):(OK|FAIL|SKIP)')
TP_TEST = re.compile(r'^#[0-9]+ +([^ /]+?):(OK|FAIL|SKIP)(.*)$')
SUMMARY = re.compile(r'^(toctou|writers|failnth|mutate|request|bench|'
                     r'mldsa_signers_memory|signers_hash_once|signature_sizes|'
                     r'mldsa_without_authattrs): [a-z_]+=')
KTAP_LINE = re.compile(r'^ *# Subtest: |^ +(not )?ok [0-9]+ |^(not )?ok [0-9]+ ')
KCSAN = re.compile(r'BUG: KCSAN: ')
# A KCSAN report naming our code: the signed-load check, the map
# reservation, PKCS#7, the Rust kernel::bpf abstractions.
KCSAN_OURS = re.compile(r'bpf_prog_verify_signature|bpf_prog_sig_|bpf_map_excl_|'
                        r'bpf_sig_|bpf_key_verify_pkcs7|pkcs7_|prog_sig|6kernel3bpf')
TROUBLE = re.compile(r'BUG: |WARNING: |Oops|Kernel panic|general protection fault|'
                     r'Call Trace:|KASAN: |UBSAN: |kmemleak: [0-9]+ new suspected|'
                     r'possible circular locking|inconsistent lock state|'
                     r'sleeping function called from invalid context|'
                     r'INFO: task .* blocked|RCU detected stall|Unable to handle kernel')


class Run:
    """One test_progs run of the guest: its tag and what it reported."""

    def __init__(self, tag, marked=True):
        self.tag = tag
        self.label = 'test_progs' + (f'[{tag}]' if tag else '')
        # Marked: announced by /init with its JSON report to follow; a log
        # without markers (vmtest, an older /init) has result lines only.
        self.marked = marked
        self.sub = {'OK': 0, 'FAIL': 0, 'SKIP': 0}
        self.subtests = {}       # test name -> results of its subtests
        self.tests = []          # (name, result, rest of the line)
        self.json_lines = None   # None: no JSON block seen
        self.json_end = False


class Table:
    def __init__(self):
        self.order = []
        self.result = {}
        self.problems = []
        self.notes = []
        self.summaries = []
        self.in_mutate = False
        self.mutate_problems = 0

    def record(self, name, res):
        if name not in self.result:
            self.order.append(name)
        self.result[name] = res

    def problem(self, msg):
        self.problems.append(msg)
        if self.in_mutate:
            self.mutate_problems += 1


def kunit_results(table, boot_lines, kunit_py, prefix):
    """KUnit cases of the boot log, through kunit.py parse --json."""
    boot = prefix + '-boot.log'
    out = prefix + '-kunit.json'
    parsed = prefix + '-kunit.txt'
    with open(boot, 'w') as f:
        f.writelines(line + '\n' for line in boot_lines)
    for stale in (out, parsed):
        if os.path.exists(stale):
            os.unlink(stale)
    if not any('TAP version' in line for line in boot_lines):
        return
    if not os.path.isfile(kunit_py):
        table.problem(f'kunit: no {kunit_py} to parse the KTAP output; run make worktree')
        return
    with open(parsed, 'w') as f:
        # kunit.py changes to the kernel tree: absolute paths.
        rc = subprocess.call([sys.executable, kunit_py, 'parse',
                              '--json=' + os.path.abspath(out), os.path.abspath(boot)],
                             stdout=f, stderr=subprocess.STDOUT)
    try:
        with open(out) as f:
            top = json.load(f)
    except (OSError, ValueError):
        table.problem(f'kunit: kunit.py parse failed (exit {rc}); see {parsed}')
        return

    def walk(group, path):
        for case in group.get('test_cases', []):
            # A case without a name stands for a crash or cut output;
            # kunit.py counts it among the errors checked below.
            if case.get('name'):
                res = {'PASS': 'OK', 'SKIP': 'SKIP'}.get(case.get('status'), 'FAIL')
                table.record('kunit/' + '/'.join(path + [case['name']]), res)
        for sub in group.get('sub_groups', []):
            walk(sub, path + [sub.get('name', '?')])

    walk(top, [])
    misc = top.get('misc', {})
    if misc.get('tests', 0) and misc.get('errors', 0):
        table.problem(f'kunit: kunit.py parse reported {misc["errors"]} error(s), '
                      f'{misc.get("crashed", 0)} crashed; see {parsed}')


def check_run(table, run, done, reports):
    """A test_progs run's result lines against its JSON report."""
    if not run.json_end:
        if done:
            table.problem(f'{run.label}: no JSON report (-J) in the log: test_progs '
                          'or the guest stopped before writing it')
        return
    text = ''.join(run.json_lines or []).strip()
    try:
        rep = json.loads(text)
        if not isinstance(rep, dict):
            raise ValueError
    except ValueError:
        table.problem(f'{run.label}: its JSON report is empty or unreadable '
                      f'({len(text)} bytes; test_progs crashed or was killed?)')
        return
    reports[run.label] = rep
    # The failed tests and subtests the report names (test_progs without
    # -v): a failure the result lines lost still fails the run.
    tag = f'[{run.tag}]' if run.tag else ''
    for t in rep.get('results', []):
        if not t.get('failed'):
            continue
        failed_subs = [s for s in t.get('subtests', []) if s.get('failed')]
        names = [f'{t["name"]}{tag}/{s["name"]}' for s in failed_subs] or [t['name'] + tag]
        for n in names:
            if table.result.get(n) != 'FAIL':
                table.record(n, 'FAIL')
    test_ok = sum(1 for _, r, rest in run.tests if r != 'FAIL' and 'not built' not in rest)
    test_fail = sum(1 for _, r, _ in run.tests if r == 'FAIL')
    have = (test_ok, run.sub['OK'], test_fail, run.sub['FAIL'])
    want = tuple(rep.get(k, 0) for k in ('success', 'success_subtest', 'failed',
                                          'failed_subtest'))
    if have != want:
        table.problem(f'{run.label}: the log shows {have[0]} tests and {have[1]} subtests '
                      f'passed, {have[2]} tests and {have[3]} subtests failed; its JSON '
                      f'report {want[0]}, {want[1]}, {want[2]}, {want[3]}: result lines '
                      'lost or garbled on the console')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('log', help='the serial log')
    ap.add_argument('--expected', help='results that must appear, one per line')
    ap.add_argument('--qemu-exit', default='', help="QEMU's exit status (124: timeout)")
    ap.add_argument('--kunit-py', default='',
                    help='tools/testing/kunit/kunit.py of the tree')
    ap.add_argument('--prefix', required=True,
                    help='path prefix of the files kept: PREFIX-boot.log (kunit.py '
                    "parse's input), PREFIX-kunit.json, PREFIX-kunit.txt, "
                    'PREFIX-test_progs.json')
    args = ap.parse_args()

    t = Table()
    runs = []
    run = None
    in_json = in_fi = in_leak = mutate_seen = done = started = False
    tp_exit = ''
    boot = []

    def current_run():
        nonlocal run
        if run is None:
            run = Run('', marked=False)
            runs.append(run)
        return run

    with open(args.log, errors='backslashreplace') as f:
        for raw in f:
            raw = raw.rstrip('\n').rstrip('\r')
            kernel = PRINTK.match(raw) is not None
            line = PRINTK.sub('', raw, count=1)
            if not started:
                if line.startswith('=== GUEST-START'):
                    started = True
                else:
                    boot.append(raw)
            # The JSON report of a test_progs run: its lines, not the
            # kernel's that may come between them.
            if in_json and not kernel and not line.startswith('=== '):
                run.json_lines.append(line)
                continue
            m = TP_SUBTEST.match(line)
            if m:
                name, res = m.group(1), m.group(2)
                t.record(name, res)
                r = current_run()
                r.sub[res] += 1
                r.subtests.setdefault(name.split('/')[0], []).append(res)
                continue
            m = TP_TEST.match(line)
            if m:
                name, res, rest = m.group(1), m.group(2), m.group(3)
                r = current_run()
                r.tests.append((name, res, rest))
                # A test counts by its subtests (printed before it); by
                # itself if it has none, or if it failed outside them.
                subs = r.subtests.get(name, [])
                if not subs or (res == 'FAIL' and 'FAIL' not in subs):
                    t.record(name, res)
                continue
            if SUMMARY.match(line):
                t.summaries.append(line)
                continue
            # Kernel log markers of signed_loader_stress.  Injected
            # allocation failures print a stack (warn_alloc) by design:
            # inside the fault-injection window a bare "Call Trace:" is not
            # a problem; BUG, WARNING, KASAN and the rest are.
            if 'signed_loader_stress: fault injection begin' in line:
                in_fi = True
                continue
            if 'signed_loader_stress: fault injection end' in line:
                in_fi = False
                continue
            if 'signed_loader_stress: mutate begin' in line:
                t.in_mutate = mutate_seen = True
                continue
            if 'signed_loader_stress: mutate end' in line:
                t.in_mutate = False
                continue
            if in_fi and 'Call Trace:' in line:
                continue
            if line.startswith('=== TEST_PROGS-BEGIN '):
                m = re.search(r'tag=(\S*)', line)
                tag = m.group(1) if m else ''
                run = Run('' if tag == '-' else tag)
                runs.append(run)
                continue
            if line.startswith('=== TEST_PROGS-JSON-BEGIN'):
                current_run().json_lines = []
                in_json = True
                continue
            if line.startswith('=== TEST_PROGS-JSON-END'):
                in_json = False
                current_run().json_end = True
                continue
            if line.startswith('=== TEST_PROGS-EXIT '):
                tp_exit = line.split()[-1]
                continue
            if line.startswith('=== GUEST-DONE'):
                done = True
                continue
            if line.startswith('=== KMEMLEAK-BEGIN'):
                in_leak = True
                continue
            if line.startswith('=== KMEMLEAK-END'):
                in_leak = False
                continue
            if in_leak and line.startswith('unreferenced object'):
                t.problem('kmemleak: ' + line)
                continue
            # KTAP (KUnit): kunit.py parses it below.
            if KTAP_LINE.match(line):
                continue
            # KCSAN data races: a report that names our code fails the
            # run; others are listed as notes.
            if KCSAN.search(line):
                if KCSAN_OURS.search(line):
                    t.problem('kcsan: ' + line)
                else:
                    t.notes.append('kcsan (not our code): ' + line)
                continue
            # Kernel trouble.  Any of these fails the run.
            if TROUBLE.search(line):
                t.problem('kernel: ' + line)

    # A crash inside the mutation run ends the log before "mutate end".
    mutate_crashes = t.mutate_problems + (1 if t.in_mutate else 0)
    t.in_mutate = False

    # KUnit first: it ran at boot, before test_progs.
    test_progs_order = t.order
    t.order = []
    kunit_results(t, boot, args.kunit_py, args.prefix)
    t.order += [n for n in test_progs_order if n not in t.order]

    reports = {}
    for r in runs:
        if r.marked:
            check_run(t, r, done, reports)
    with open(args.prefix + '-test_progs.json', 'w') as f:
        json.dump(reports, f, indent=1)
        f.write('\n')

    if args.expected:
        with open(args.expected) as f:
            for e in f:
                e = e.rstrip('\n')
                if e.startswith('#') or e == '':
                    continue
                if e not in t.result:
                    t.record(e, 'MISSING')

    out = []
    for s in t.summaries:
        if s.startswith('mutate: '):
            s += f' crashes={mutate_crashes}'
        out.append(s)
    if mutate_seen and not t.summaries:
        out.append(f'mutate: no summary line; crashes={mutate_crashes}')
    passed = failed = skipped = 0
    for name in t.order:
        res = t.result[name]
        out.append(f'{name} {res}')
        if res == 'OK':
            passed += 1
        elif res == 'SKIP':
            skipped += 1
        else:
            failed += 1
    if args.qemu_exit == '124':
        t.problem('guest: timed out')
    elif not done:
        t.problem('guest: did not finish (no GUEST-DONE marker; crash or early exit)')
    if tp_exit not in ('', '0') and failed == 0:
        t.problem(f'test_progs: exited {tp_exit} with no failing subtest')
    out += ['NOTE ' + n for n in t.notes]
    for p in t.problems:
        out.append('PROBLEM ' + p)
        failed += 1
    if not t.order:
        out.append('PROBLEM no test result in the serial log')
        if not t.problems:
            failed += 1
    out.append(f'{passed} passed, {failed} failed, {skipped} skipped')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
