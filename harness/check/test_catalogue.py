#!/usr/bin/env python3
# test_catalogue.py: offline checks of the catalogue data in catalogue.py (ctest check_catalogue).
# Every case names a quote key that exists; every quote carries "RFC n §x.y" and is a sentence;
# no quote key is defined twice; a case cites the section its quote comes from; IPv6 Ready ids
# have the IKEv2.EN.I.x.y.z form; chk_cases.c is what catalogue.py generates. When
# ../shared/reference/ holds RFC text (rfcNNNN*.txt), each quote must appear in it, whitespace
# aside; without it that part is skipped with a message. Usage: test_catalogue.py [REFDIR]
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import catalogue as cat  # noqa: E402  (builds the rows; writes nothing when imported)

errors = []


def err(msg):
    errors.append(msg)


# No key defined twice: a dict literal keeps the last silently, so read the source.
src = open(os.path.join(HERE, 'catalogue.py'), encoding='utf-8').read()
keys = re.findall(r"^ '(\w+)': \(", src, re.M)
dups = sorted({k for k in keys if keys.count(k) > 1})
if dups:
    err('quote keys defined twice: %s' % ', '.join(dups))
if len(keys) != len(cat.Q):
    err('%d quote lines but %d keys in Q (a line not in the KEY: (SOURCE, TEXT) form?)'
        % (len(keys), len(cat.Q)))

SRC_RE = re.compile(r'^RFC \d{4} §\d+(\.\d+)*$')
END_RE = re.compile(r'[.!?:]["\')]?$')
for k, v in cat.Q.items():
    if not (isinstance(v, tuple) and len(v) == 2):
        err('Q[%s]: want (\"RFC n §x.y\", sentence), got %r' % (k, v))
        continue
    where, text = v
    if not SRC_RE.match(where):
        err('Q[%s]: source %r is not "RFC n §x.y"' % (k, where))
    if not END_RE.search(text):
        err('Q[%s]: quote does not end a sentence: ...%r' % (k, text[-30:]))
    if text[:1].islower():
        err('Q[%s]: quote starts mid-sentence: %r...' % (k, text[:30]))
    if '  ' in text or text != text.strip():
        err('Q[%s]: stray whitespace' % k)
for k in cat.UNVERIFIED:
    if k not in cat.Q:
        err('UNVERIFIED names %s, which is not a quote key' % k)

IPV6_RE = re.compile(r'^IKEv2\.EN\.I\.\d+(\.\d+){2,3}$')
used = set()
for i, r in enumerate(cat.rows, 1):
    if r['qkey'] not in cat.Q:
        err('C%03d: quote key %s does not exist' % (i, r['qkey']))
        continue
    used.add(r['qkey'])
    if r['rfc'] != cat.Q[r['qkey']][0]:
        err('C%03d: cites %s, its quote is from %s' % (i, r['rfc'], cat.Q[r['qkey']][0]))
    if r['ipv6'] and not IPV6_RE.match(r['ipv6']):
        err('C%03d: IPv6 Ready id %r is not IKEv2.EN.I.x.y.z' % (i, r['ipv6']))
unused = sorted(set(cat.Q) - used)
if unused:
    err('quote keys no case uses: %s' % ', '.join(unused))

# chk_cases.c is generated: it must be what catalogue.py writes now.
gen = '\n'.join(cat.out)
have = open(os.path.join(HERE, 'chk_cases.c'), encoding='utf-8').read()
if gen != have:
    err('chk_cases.c is stale: run python3 harness/check/catalogue.py')

# Word for word against RFC text, when a copy is at hand.
ref = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared',
                                                           'reference')
texts = {}
for f in glob.glob(os.path.join(ref, '**', 'rfc[0-9]*.txt'), recursive=True):
    m = re.match(r'rfc(\d{4})', os.path.basename(f))
    body = open(f, encoding='utf-8', errors='replace').read()
    if 'Request for Comments' not in body[:4000]:
        continue  # a vector file named after its RFC, not the RFC text
    # drop page breaks (footer, form feed, header), then fold all whitespace
    body = re.sub(r'\n[^\n]*\[Page \d+\]\n\f?\n?RFC \d+[^\n]*\n', '\n', body)
    texts[m.group(1)] = ' '.join(body.split())
checked = 0
for k, (where, text) in cat.Q.items():
    num = where.split()[1]
    if num not in texts:
        continue
    checked += 1
    if ' '.join(text.split()) not in texts[num]:
        err('Q[%s] is not word for word in RFC %s' % (k, num))
if not texts:
    print('SKIP (word-for-word part): no RFC text under %s; structure checked only' % ref)
else:
    print('compared %d quotes with the RFC text in %s' % (checked, ref))

if errors:
    print('\n'.join('FAIL: ' + e for e in errors))
    sys.exit(1)
print('%d cases, %d quotes, structure OK' % (len(cat.rows), len(cat.Q)))
if cat.UNVERIFIED:
    print('not yet compared word for word: %s' % ', '.join(sorted(cat.UNVERIFIED)))
