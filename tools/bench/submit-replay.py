#!/usr/bin/env python3
"""submit-replay.py TOP MONITOR N [CUT...]: what submit.lua costs Redis,
step by step. The call caught in MONITOR (tools/bench/submit-capture.sh)
is replayed N times into a fresh private redis-server (TOP/conf/redis.conf:
appendfsync always), each call with its own attempt, idempotency key and
child, WIN (16) calls pipelined; for each CUT (see CUTPOINTS: the script
ends after that step; "empty" returns before the prelude, "prelude"
before the body, "full" runs it whole), REP (3) runs, each printed:
Redis's CPU (INFO cpu, user+sys) and EVALSHA's time (INFO commandstats)
per call, in us. A CUT written CUT@FILE cuts FILE's text instead of
TOP's lib.lua and submit.lua put together (to compare two versions; the
rounds go through all the CUTs in turn)."""
import os, re, socket, subprocess, sys, time, tempfile, shutil

TOP, MON, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
CUTS = sys.argv[4:] or ['full']
WIN = int(os.environ.get('WIN', '16'))
# CG=1: Redis runs under callgrind, which counts the instructions it runs
# for the measured calls (not the kernel's): a figure the machine's load
# does not move, where CPU time moves with it.
CG = os.environ.get('CG') == '1'

def parse_monitor(line):
    i = line.index('] ') + 2
    s, out = line[i:], []
    j = 0
    while j < len(s):
        if s[j] == '"':
            j += 1; b = bytearray()
            while s[j] != '"':
                c = s[j]
                if c == '\\':
                    n = s[j+1]
                    if n == 'x': b.append(int(s[j+2:j+4], 16)); j += 4; continue
                    b += {'n': b'\n', 'r': b'\r', 't': b'\t', 'a': b'\a', 'b': b'\b'}.get(n, n.encode())
                    j += 2; continue
                b += c.encode(); j += 1
            out.append(bytes(b)); j += 1
        else:
            j += 1
    return out

call = None
for line in open(MON):
    if '"EVALSHA"' in line and ':idem:' in line:
        call = parse_monitor(line.rstrip('\n')); break
nkeys = int(call[2]); keys = call[3:3 + nkeys]; argv = call[3 + nkeys:]
import json
a = json.loads(argv[1])
att, idem, child = a['attempt'].encode(), a['idem'].encode(), a['child'].encode()

def variant(i):
    tag = b'%08d' % i
    def sub(x):
        return (x.replace(att, att[:-8] + tag).replace(idem, idem[:-8] + tag)
                .replace(child, child[:-8] + tag))
    # the arguments after the JSON object (submit.lua's record) as caught
    return [sub(k) for k in keys], [argv[0], sub(argv[1])] + argv[2:]

def resp(*args):
    out = [b'*%d\r\n' % len(args)]
    for x in args:
        if isinstance(x, str): x = x.encode()
        if isinstance(x, int): x = b'%d' % x
        out.append(b'$%d\r\n%s\r\n' % (len(x), x))
    return b''.join(out)

class R:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(path)
        self.f = self.s.makefile('rb')
    def send(self, data): self.s.sendall(data)
    def read(self):
        l = self.f.readline()
        t, rest = l[:1], l[1:-2]
        if t in (b'+', b':'): return rest
        if t == b'-': return Exception(rest.decode())
        if t == b'$':
            n = int(rest)
            if n < 0: return None
            d = self.f.read(n + 2); return d[:-2]
        if t == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(l)
    def cmd(self, *a):
        self.send(resp(*a)); return self.read()

def script_text():
    words = os.path.join(TOP, 'build/words.lua')
    lib = os.path.join(TOP, 'build/lib.lua')
    sub = os.path.join(TOP, 'daemon/lua/submit.lua')
    pre = subprocess.check_output(['awk', '-f', os.path.join(TOP, 'tools/lua-prelude.awk'), words, lib, sub])
    return pre.decode() + open(sub).read()

# cut label -> the line (a regex) after which the script returns
CUTPOINTS = [
    ('decode', r'^return serve\(function\(a\)'),
    ('idem', r"^  local n = redis\.call\('INCR'"),
    ('hset', r"^  redis\.call\('HSET', key, unpack\(fields\)\)"),
    ('zadds', r"^    redis\.call\('ZADD', declared\('due'\), unpack\(due_set\)\)"),
    ('child', r"^  local prior = "),
    ('audit', r"^              ' agency=' \.\. \(a\.agency or ''\)\)"),
    ('repeat', r"^    redis\.call\('ZADD', ckey, received, id\)"),
    ('outbox', r"^  -- attempt tells idem\.lua which call stored it\."),
    ('idemset', r"^  local claimed, settled = \{\}, \{\}"),
    ('full', None),
]

def cut(text, label):
    if label == 'empty':
        return 'do return 1 end\n' + text
    if label == 'prelude':
        return text.replace('\nreturn serve(function(a)', '\ndo return 1 end\nreturn serve(function(a)', 1)
    rx = dict(CUTPOINTS)[label]
    if rx is None: return text
    lines = text.split('\n'); out = []; done = False
    before = label in ('idem',)  # cut before the line, not after
    for l in lines:
        if before and not done and re.search(rx, l):
            out.append("  do return {result = 'cut'} end")
            done = True
        out.append(l)
        if not before and not done and re.search(rx, l):
            # close a block the line opens
            if label == 'zadds': out.append('  end')
            out.append("  do return {result = 'cut'} end")
            done = True
            if label == 'zadds': out.append('  if false then')
    assert done, label
    return '\n'.join(out)

def run(label):
    d = tempfile.mkdtemp(prefix='submit-replay.')
    sock = d + '/r.sock'
    vg = ['valgrind', '--tool=callgrind', '--instr-atstart=no',
          '--callgrind-out-file=' + d + '/cg.out'] if CG else []
    p = subprocess.Popen(vg + ['redis-server', TOP + '/conf/redis.conf', '--port', '0',
        '--unixsocket', sock, '--dir', d, '--daemonize', 'no', '--logfile', d + '/log',
        '--save', '', '--auto-aof-rewrite-percentage', '0'])
    try:
        for _ in range(400 if CG else 100):
            if os.path.exists(sock): break
            time.sleep(0.05)
        time.sleep(0.1)
        r = R(sock)
        cut_at, _, path = label.partition('@')  # CUT@FILE: FILE's text
        text = open(path).read() if path else script_text()
        sha = r.cmd('SCRIPT', 'LOAD', cut(text, cut_at))
        if isinstance(sha, Exception): raise sha
        def batch(lo, hi):
            for s in range(lo, hi, WIN):
                e = min(hi, s + WIN)
                r.send(b''.join(resp('EVALSHA', sha, len(keys), *variant(i)[0], *variant(i)[1]) for i in range(s, e)))
                for i in range(s, e):
                    x = r.read()
                    if isinstance(x, Exception): raise x
            return x
        last = batch(0, 200)
        def stats():
            info = r.cmd('INFO', 'all').decode()
            us = sum(float(m) for m in re.findall(r'used_cpu_(?:sys|user):([0-9.]+)', info)) * 1e6
            m = re.search(r'cmdstat_evalsha:calls=(\d+),usec=(\d+)', info)
            return us, int(m.group(1)), int(m.group(2))
        s0 = stats()
        if CG:
            subprocess.check_call(['callgrind_control', '-i', 'on', str(p.pid)],
                                  stdout=subprocess.DEVNULL)
        batch(200, 200 + N)
        if CG:
            subprocess.check_call(['callgrind_control', '-d', str(p.pid)],
                                  stdout=subprocess.DEVNULL)
        s1 = stats()
        try: r.cmd('SHUTDOWN', 'NOSAVE')
        except Exception: pass
        ir = 0
        if CG:
            for f in os.listdir(d):
                if f.startswith('cg.out') and os.environ.get('CG_KEEP'):
                    shutil.copy(os.path.join(d, f), os.environ['CG_KEEP'] + '.' + f)
                if f.startswith('cg.out'):
                    for l in open(os.path.join(d, f)):
                        if l.startswith('summary:') or l.startswith('totals:'):
                            ir = max(ir, int(l.split()[1]))
        return (s1[0] - s0[0]) / N, (s1[2] - s0[2]) / (s1[1] - s0[1]), last, ir / N
    finally:
        p.wait(timeout=10) if p.poll() is None and False else None
        try: p.kill()
        except Exception: pass
        p.wait()
        shutil.rmtree(d, ignore_errors=True)

REP = int(os.environ.get('REP', '3'))
# Rounds outermost, so that a machine whose load drifts weighs on every
# cut alike.
res = {label: [] for label in CUTS}
for _ in range(REP):
    for label in CUTS:
        res[label].append(run(label))
for label in CUTS:
    cpus = sorted(x[0] for x in res[label])
    scrs = sorted(x[1] for x in res[label])
    if CG:
        irs = sorted(x[3] for x in res[label])
        print('%-8s instructions a call %s' % (label, ' '.join('%8.0f' % c for c in irs)), flush=True)
        continue
    print('%-8s cpu %s  script %s' % (label, ' '.join('%6.1f' % c for c in cpus),
          ' '.join('%6.1f' % c for c in scrs)), flush=True)
