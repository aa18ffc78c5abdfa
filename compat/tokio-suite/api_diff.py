#!/usr/bin/env python3
"""Diffs Tokio's public API with Glasswing's, from the two crates' rustdoc JSON: every public path
(module, type, function, macro, constant) of Tokio missing at the same path in Glasswing, and, for
the types present in both, the inherent methods, trait impls (auto traits included), enum variants
and public fields Tokio has and Glasswing lacks. What compat/tokio/README.md's coverage table lists.

    # Tokio's JSON: a scratch crate depending on tokio = { version = "=1.54.1", features = ["full", "test-util"] }
    cargo +nightly rustdoc -p tokio -- -Zunstable-options --output-format json
    # Glasswing's, from compat/ (the features the drop-in builds it with)
    cargo +nightly rustdoc -p glasswing -- -Zunstable-options --output-format json
    compat/tokio-suite/api_diff.py path/to/tokio.json path/to/glasswing.json

Auto-trait lines list both directions' gaps as Tokio states them: `!UnwindSafe` means Tokio's type is
not `UnwindSafe` and Glasswing's is; `Freeze` and `UnsafeUnpin` are compiler-internal and can be
ignored.
"""

import json
import sys

def load(path, crate):
    d = json.load(open(path))
    ix = d['index']; paths = d['paths']
    def get(i): return ix.get(str(i))
    def kind(it): return next(iter(it['inner']))
    items = {}   # path -> (kind, item)
    seen = set()
    def walk(mod_id, prefix):
        m = get(mod_id)
        for cid in m['inner']['module']['items']:
            add(cid, prefix)
    def add(cid, prefix, name=None):
        it = get(cid)
        if it is None: return
        if it['visibility'] != 'public' and kind(it) != 'impl': return
        k = kind(it)
        if k == 'use':
            u = it['inner']['use']
            tgt = get(u['id']) if u['id'] is not None else None
            if u['is_glob']:
                if tgt and kind(tgt) == 'module':
                    walk(u['id'], prefix)
                elif tgt and kind(tgt) == 'enum':
                    pass
                return
            if tgt is None:
                ext = paths.get(str(u['id']))
                items[prefix + '::' + u['name']] = ('extern:' + (ext['kind'] if ext else '?'), {'path': '::'.join(ext['path']) if ext else u['source']})
                return
            add(u['id'], prefix, u['name'])
            return
        nm = name or it['name']
        p = prefix + '::' + nm
        items[p] = (k, it)
        if k == 'module':
            key = (cid, p)
            if key in seen: return
            seen.add(key)
            walk(cid, p)
    items[crate] = ('module', get(d['root']))
    walk(d['root'], crate)
    return d, ix, items

def tyname(t):
    if t is None: return '?'
    if 'resolved_path' in t: return t['resolved_path']['path'].split('::')[-1]
    if 'generic' in t: return t['generic']
    if 'borrowed_ref' in t: return '&' + tyname(t['borrowed_ref']['type'])
    if 'primitive' in t: return t['primitive']
    return next(iter(t))

def argstr(args):
    if not args or 'angle_bracketed' not in args: return ''
    out = []
    for a in args['angle_bracketed']['args']:
        if 'type' in a: out.append(tyname(a['type']))
    return '<' + ','.join(out) + '>' if out else ''

def details(ix, k, it):
    """returns dict of facets"""
    r = {}
    inner = it['inner'][k] if k in it['inner'] else None
    if k in ('struct', 'enum', 'union'):
        meth = set(); traits = set()
        for iid in inner['impls']:
            im = ix.get(str(iid))
            if not im: continue
            imp = im['inner']['impl']
            if imp['blanket_impl'] is not None: continue
            if imp['trait'] is None:
                for mid in imp['items']:
                    mi = ix.get(str(mid))
                    if mi and mi['visibility'] == 'public':
                        meth.add(mi['name'])
            else:
                tn = imp['trait']['path'].split('::')[-1]
                if tn in ('From', 'TryFrom', 'PartialEq', 'AsRef', 'AsMut', 'Extend', 'FromIterator', 'AsyncWrite', 'Index'):
                    tn += argstr(imp['trait']['args'])
                if imp['is_negative']: tn = '!' + tn
                traits.add(tn)
        r['methods'] = meth; r['traits'] = traits
        if k == 'enum':
            r['variants'] = set(ix[str(v)]['name'] for v in inner['variants'] if str(v) in ix)
        if k == 'struct' and 'plain' in inner['kind']:
            r['fields'] = set(ix[str(f)]['name'] for f in inner['kind']['plain']['fields'] if str(f) in ix and ix[str(f)]['visibility'] == 'public')
    elif k == 'trait':
        r['methods'] = set(ix[str(x)]['name'] for x in inner['items'] if str(x) in ix)
    elif k == 'function':
        r['async'] = inner['header']['is_async']
        r['nargs'] = len(inner['sig']['inputs'])
    return r

t_d, t_ix, t_items = load(sys.argv[1], 'tokio')
g_d, g_ix, g_items = load(sys.argv[2], 'glasswing')

def gpath(p): return 'glasswing' + p[len('tokio'):]
missing = []; diffs = []
for p in sorted(t_items):
    k, it = t_items[p]
    if k in ('struct_field', 'variant', 'impl'): continue
    gp = gpath(p)
    if gp not in g_items:
        missing.append(f'MISSING {k:10} {p}')
        continue
    gk, git = g_items[gp]
    if k.startswith('extern') or gk.startswith('extern'):
        continue
    if gk != k:
        diffs.append(f'KIND     {p}: tokio {k}, glasswing {gk}')
        if not (k in ('struct','enum') and gk in ('struct','enum')): continue
    td = details(t_ix, k, it); gd = details(g_ix, gk, git)
    for f in ('methods', 'traits', 'variants', 'fields'):
        if f in td:
            miss = td[f] - gd.get(f, set())
            if miss: diffs.append(f'{f.upper():8} {p}: ' + ' '.join(sorted(miss)))
    if k == 'function' and gk == 'function':
        if td['async'] != gd['async']: diffs.append(f'ASYNC    {p}: tokio async={td["async"]} glasswing={gd["async"]}')
        if td['nargs'] != gd['nargs']: diffs.append(f'NARGS    {p}: tokio {td["nargs"]} glasswing {gd["nargs"]}')
print('\n'.join(missing)); print('\n'.join(diffs))
