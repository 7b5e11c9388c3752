#!/usr/bin/env python3
# store-norm.py DUMP: store-dump.lua's listing made comparable across
# runs: each stream id becomes its stream's ordinal (events#7, outbox#3;
# an id met outside its stream is taken for the audit's first, then any
# other stream's), and the audit chain is checked, not shown: each event's
# hash is computed again (lib.lua's audit_hash) and written 'ok' or 'BAD',
# and events:head's hash is "last event's" when it is the last event's.
# Chain breaks are counted on stderr.
import sys, re, hashlib
lines = open(sys.argv[1], encoding='utf-8', errors='surrogateescape').read().split('\n')
ids = {}  # stream key -> {id: ordinal name}
for l in lines:
    p = l.split('\t')
    if p[0] == 'X':
        m = ids.setdefault(p[1], {})
        m[p[2]] = '%s#%d' % (p[1].split(':')[-1], len(m) + 1)
EV = [k for k in ids if k.endswith(':events')]
idre = re.compile(r'\b\d{10,}-\d+\b')
def unesc(s): return re.sub(r'\\(\d{3})', lambda m: chr(int(m.group(1))), s)
def sub(s, key):
    # an id is named by its own stream's ordinal; elsewhere the audit's
    # first, then any other stream's
    order = ([key] if key in ids else []) + EV + sorted(ids)
    def one(m):
        for k in order:
            if m.group(0) in ids[k]: return ids[k][m.group(0)]
        return m.group(0)
    return idre.sub(one, s)
bad = 0; prev_hash = {}; out = []
for l in lines:
    p = l.split('\t')
    if p[0] == 'X' and p[1].endswith(':events'):
        f = dict(x.split('=', 1) for x in p[3:])
        if 'hash' in f:
            v = {k: unesc(x) for k, x in f.items()}
            ph = prev_hash.get(v['prev'], '')
            parts = [v['prev'], ph, v['ref'], v['at'], v['actor'], v['action'], v['detail']]
            text = '\n'.join('%d:%s' % (len(x.encode('utf-8', 'surrogateescape')), x) for x in parts)
            h = hashlib.sha1(text.encode('utf-8', 'surrogateescape')).hexdigest()
            ok = h == v['hash'] and (v['prev'] in prev_hash or not prev_hash)
            if not ok: bad += 1
            prev_hash[p[2]] = v['hash']
            p = p[:3] + ['hash=' + ('ok' if ok else 'BAD') if x.startswith('hash=') else x for x in p[3:]]
    if p[0] == 'H' and p[1].endswith(':events:head') and p[2] == 'hash':
        last = list(ids.get(p[1][:-5], {}))[-1:]
        p[3] = 'last event\'s' if last and prev_hash.get(last[0]) == p[3] else 'BAD'
    out.append(sub('\t'.join(p), p[1] if len(p) > 1 else ''))
sys.stdout.write('\n'.join(out))
sys.stderr.write('chain breaks: %d\n' % bad)
