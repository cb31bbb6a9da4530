#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# spec_tags.sh: duvet-lite (STYLE.md §2.5). Collects every spec tag in ref/ -- the comments
# `RFC nnnn §x.y: ...` (also `§x.y/§z`, `App. B.1`) and `SPEC RFCnnnn x.y: "..."` that mark
# where a MUST is enforced -- into harness/conformance/SPEC_COVERAGE.md: one table of the
# sections cited, one row per tag (file:line, section, the comment text).
#
# usage: harness/conformance/spec_tags.sh            regenerate SPEC_COVERAGE.md (commit it)
#        harness/conformance/spec_tags.sh --check    exit 1 if a tag in ref/ cites a section
#                                                    the committed file does not list
# The ctest `conformance_test_initiator_conformance` (spec_coverage_is_current) runs --check.
# --check also checks that each spine, ref/src/handshake.c and ref/tiny/tiny_handshake.c, quotes the
# RFC sentence of every step of the exchange (the SPINE list below), in message order.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/harness/conformance/SPEC_COVERAGE.md
mode=${1:-write}

python3 - "$root" "$out" "$mode" <<'PY'
import glob, os, re, sys

root, out, mode = sys.argv[1:4]
SEC = r'(?:§\s?[0-9A-Z](?:[0-9.]*[0-9A-Za-z])?|App(?:\.|endix) [A-Z](?:\.[0-9]+)*)'
tag_re = re.compile(r'RFC ?([0-9]{4}) (' + SEC + r'(?:\s?/\s?' + SEC + r')*)')
spec_re = re.compile(r'SPEC RFC ?([0-9]{4}) ([0-9A-Z][0-9.]*[0-9A-Za-z]?)')

def norm(sec):
    sec = sec.replace('§ ', '§').rstrip('.')
    if sec.startswith('Appendix '):
        sec = 'App. ' + sec[len('Appendix '):]
    return sec

def comment_text(lines, i, start):
    """The comment text from the tag to the end of its comment (at most 4 lines, 220 chars)."""
    text = lines[i][start:]
    j = i
    while '*/' not in text and j + 1 < len(lines) and j - i < 4:
        j += 1
        nxt = lines[j].strip()
        if not nxt.startswith('*'):
            break
        text += ' ' + nxt.lstrip('*').strip()
    text = text.split('*/')[0]
    text = re.sub(r'\s+', ' ', text).strip().replace('|', '\\|')
    return text[:217] + '...' if len(text) > 220 else text

tags = []  # (file, line, rfc, section, text)
files = sorted(glob.glob(os.path.join(root, 'ref/src/*.[ch]')) +
               glob.glob(os.path.join(root, 'ref/include/*.h')) +
               glob.glob(os.path.join(root, 'ref/tiny/*.[ch]')))
for f in files:
    rel = os.path.relpath(f, root)
    lines = open(f, encoding='utf-8').read().split('\n')
    for i, line in enumerate(lines):
        # only comments: the part of the line after /* or a leading * continuation
        c = line.find('/*')
        if c < 0 and line.lstrip().startswith('*'):
            c = 0
        if c < 0:
            continue
        for m in spec_re.finditer(line, c):
            tags.append((rel, i + 1, m.group(1), m.group(2).rstrip('.'),
                         comment_text(lines, i, m.start())))
        for m in tag_re.finditer(line, c):
            for sec in re.split(r'\s?/\s?', m.group(2)):
                s = norm(sec)
                if not s.startswith(('§', 'App')):
                    s = '§' + s
                tags.append((rel, i + 1, m.group(1), s, comment_text(lines, i, m.start())))

def key(t):
    return (t[2], [int(x) if x.isdigit() else 0 for x in re.findall(r'[0-9]+', t[3])], t[3])

def canon(rfc, sec):
    return 'RFC %s %s' % (rfc, sec if sec.startswith(('§', 'App')) else '§' + sec)

sections = {}
for t in tags:
    sections.setdefault(canon(t[2], t[3]), []).append(t)

# The spine (ref/src/handshake.c) quotes, at each step of RFC 7815's exchange, the RFC sentence
# it implements. Each (step, RFC, quoted words) must be present, in this order, in one comment
# of handshake.c: a quote that is edited away or moved out of order fails --check.
SPINE = [
    ('1 IKE_SA_INIT request', 'RFC 7296 §1.2', 'The first exchange of an IKE session, IKE_SA_INIT, negotiates security parameters for the IKE SA, sends nonces, and sends Diffie-Hellman values.'),
    ('1 initiator only', 'RFC 7815 §2.1', 'Minimal implementations only need to support the role of initiator'),
    ('1 nonce', 'RFC 7296 §2.10', 'MUST be at least 128 bits in size, and MUST be at least half the key size of the negotiated pseudorandom function (PRF).'),
    ('2 IKE_SA_INIT response', 'RFC 7296 §2.15', 'For the responder, the octets to be signed start with the first octet of the first SPI in the header of the second message (IKE_SA_INIT response)'),
    ('3 IKE_AUTH request', 'RFC 7296 §1.2', 'The second exchange, IKE_AUTH, transmits identities, proves knowledge of the secrets corresponding to the two identities'),
    ('3 signed octets', 'RFC 7296 §2.15', 'The initiator signs the first message (IKE_SA_INIT request), starting with the first octet of the first SPI in the header and ending with the last octet of the last payload.'),
    ('4 IKE_AUTH response', 'RFC 7296 §2.5', 'If the critical flag is set and the payload type is unrecognized, the message MUST be rejected'),
    ('5 peer requests', 'RFC 7815 §2.1', 'generate an empty INFORMATIONAL response to it.'),
    ('5 retransmitted requests', 'RFC 7296 §2.1', 'The responder MUST never retransmit a response unless it receives a retransmission of the request.'),
]

# Both cores have a spine: the general core's and the template core's (ref/tiny), same steps.
SPINES = ['ref/src/handshake.c', 'ref/tiny/tiny_handshake.c']

def spine_check_one(rel):
    path = os.path.join(root, rel)
    if not os.path.exists(path):
        print('%s: the spine is missing' % rel)
        return 1
    text = open(path, encoding='utf-8').read()
    # comment text only, with the line breaks and leading asterisks of block comments undone
    comments = ' '.join(re.sub(r'\n\s*\*\s?', ' ', c) for c in re.findall(r'/\*(.*?)\*/', text, re.S))
    comments = re.sub(r'\s+', ' ', comments)
    bad, pos = 0, 0
    for step, rfc, quote in SPINE:
        at = comments.find(quote, pos)
        if at < 0 or comments.rfind(rfc, 0, at) < 0:
            print('%s: step %s lacks the quote of %s: "%s"' % (rel, step, rfc, quote))
            bad += 1
        else:
            pos = at
    print('spine %s: %d of %d quoted steps present in order' % (rel, len(SPINE) - bad, len(SPINE)))
    return 1 if bad else 0

def spine_check():
    return max(spine_check_one(rel) for rel in SPINES)

if mode == '--check':
    spine_bad = spine_check()
    have = set()
    if os.path.exists(out):
        for line in open(out, encoding='utf-8'):
            m = re.match(r'\| (RFC [0-9]{4} [^|]+?) \|', line)
            if m:
                have.add(m.group(1))
    missing = sorted(s for s in sections if s not in have)
    for s in missing:
        t = sections[s][0]
        print('%s:%d: %s is not in %s: run harness/conformance/spec_tags.sh and commit it'
              % (t[0], t[1], s, os.path.relpath(out, root)))
    print('%d tags, %d sections in ref/; %d missing from the coverage file'
          % (len(tags), len(sections), len(missing)))
    sys.exit(1 if missing or spine_bad else 0)

w = []
w.append('# SPEC_COVERAGE: where ref/ enforces the RFCs (duvet-lite)')
w.append('')
w.append('Generated by `harness/conformance/spec_tags.sh` from the `RFC nnnn §x.y` and')
w.append('`SPEC RFCnnnn x.y` comments in `ref/` (STYLE.md §2.5); do not edit by hand. The ctest')
w.append('`conformance_test_initiator_conformance` fails when a tag cites a section that is not')
w.append('listed here: regenerate and commit. %d tags, %d sections.' % (len(tags), len(sections)))
w.append('')
w.append('## Sections cited')
w.append('')
w.append('| section | tags | where |')
w.append('|---|---|---|')
for s in sorted(sections, key=lambda s: key(sections[s][0])):
    ts = sections[s]
    where = ', '.join('%s:%d' % (os.path.basename(t[0]), t[1]) for t in ts[:6])
    if len(ts) > 6:
        where += ', ...'
    w.append('| %s | %d | %s |' % (s, len(ts), where))
w.append('')
w.append('## Tags')
w.append('')
w.append('| file:line | section | text |')
w.append('|---|---|---|')
for t in sorted(tags, key=lambda t: (t[0], t[1])):
    w.append('| %s:%d | %s | %s |' % (t[0], t[1], canon(t[2], t[3]), t[4]))
open(out, 'w', encoding='utf-8').write('\n'.join(w) + '\n')
print('%s: %d tags, %d sections' % (os.path.relpath(out, root), len(tags), len(sections)))
PY
