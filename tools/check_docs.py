"""Docs check: render every processed page (`_proc/*.ipynb`, written by `nbdev_proc_nbs`) to HTML offline and fail on
what a reader of the docs site would trip over.

Checks, each reported as `page: what (where)`:
- an API entry documented as "Call self as a function" (a callable object without its own docstring);
- markdown link syntax inside an API entry's signature block (a backticked name in a parameter comment);
- unbalanced emphasis in an API entry's docstring line (a `*` inside `*...*` starts or ends italics);
- maths that KaTeX cannot render (every `$...$` and `$$...$$` of markdown cells and outputs, through KaTeX in Node),
  and a stray `$` left in a paragraph;
- an output an HTML page can only show as text: an image or animation repr such as `<IPython.core.display.Image object>`,
  or an output whose only picture is a GIF (neither nbconvert nor Quarto shows image/gif outputs);
- absolute paths of the build machine in outputs (/tmp/..., /work/..., /home/..., /root/...);
- a page that lost all its figures (every page except those in NO_FIGURES must show at least one);
- an API entry documented twice on one page (the same `### name`);
- a rendered signature showing `VAR_POSITIONAL`, `VAR_KEYWORD` or `NoneType=None` (and `<factory>`, see below);
- a link to an anchor that no page has (`page.html#anchor` or `#anchor`: headings and API entries);
- a "notebook NN" in the text that is not a link;
- a visible code cell that uses a name which only a hidden cell (`#| hide`) or a private exported name defines, so
  the reader cannot see where it comes from (read from the source notebook in nbs/);
- in the first reader's path (00-04), a visible code cell of more than 40 lines before the notebook's `## Details`
  section (the main flow); a folded cell (`code-fold: true`) is collapsed on the site and does not count;
- an exercise without its check: a cell that sets `my_name = None` must call `check_exercise(my_name, ...)`, and a
  later folded cell (`code-fold: true`) must run `test_eq(check_exercise(solution_..., ...), True)`.

`--selftest` plants one case of each of the last two rules in a copy of a notebook and fails unless both are caught.

`<factory>` in a signature (the sections of `Config`) is still there: until it is fixed it is reported only with
`--strict`, which CI does not pass.

Usage: `python tools/check_docs.py [--proc _proc] [--html DIR] [--katex DIR_WITH_node_modules]`.
"""
import argparse, ast, builtins, json, re, shutil, subprocess, sys
from pathlib import Path

NO_FIGURES = {'index.ipynb', 'results.ipynb'}  # pages with no figure by design (index prints its picture as markdown)
PATH_RE = re.compile(r'(?<![\w.~-])/(?:tmp|work|home|root|Users|private/var)/[^\s\'"]*')
TEXT_REPR_RE = re.compile(r'<(?:IPython\.core\.display\.\w+|matplotlib\.animation\.\w+|Figure size [^>]*) object>|<Figure size \d')
SIG_RE = re.compile(r'```python\n(.*?)```', re.S)
MATH_RE = re.compile(r'\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)((?:[^$\n]|\n(?!\n))+?)(?<![\s\\])\$(?!\d)', re.S)  # inline maths may wrap
CODE_RE = re.compile(r'```.*?```|`[^`\n]*`', re.S)


def _outputs(cell):
    for o in cell.get('outputs', []): yield o


def _plain(o):
    "The text a page shows for an output that has no richer representation."
    p = o.get('data', {}).get('text/plain', o.get('text', ''))
    return ''.join(p) if isinstance(p, list) else p


def _text(o):
    "All text of one output: stream text and every text-like representation."
    d = o.get('data', {})
    parts = [o.get('text', '')] + [d.get(k, '') for k in ('text/plain', 'text/markdown', 'text/html')]
    return ''.join(''.join(p) if isinstance(p, list) else p for p in parts)


def api_entries(nb):
    "The markdown of every API entry (show_doc output) of a processed notebook."
    for c in nb['cells']:
        for o in _outputs(c):
            md = o.get('data', {}).get('text/markdown', '')
            md = ''.join(md) if isinstance(md, list) else md
            if md.lstrip().startswith('---') and '###' in md: yield md


BAD_SIG_RE = re.compile(r'VAR_POSITIONAL|VAR_KEYWORD|NoneType=None')
FACTORY_RE = re.compile(r'<factory>')  # dataclass fields with a default_factory: still in Config (with --strict only)
LINK_RE = re.compile(r'\]\(([\w.-]*\.html)?#([^)\s]+)\)')  # [text](page.html#anchor) or [text](#anchor)
NB_RE = re.compile(r'(?<![\[\w/])notebooks? (\d\d)\b(?!\]\(|\.ipynb)')


def entry_name(md): return (re.search(r'^###\s+(.+)$', md, re.M) or [None, '?'])[1].strip()


def slug(text):
    "The anchor a heading gets: lowercase, spaces to hyphens, only letters, digits, _ - . kept."
    text = re.sub(r'`|\*|\$', '', text.strip().lower())
    return re.sub(r'[^\w.\- ]', '', text).replace(' ', '-')


def anchors(nb):
    "Every anchor of a processed page: its headings and its API entries."
    out = set()
    for c in nb['cells']:
        if c['cell_type'] == 'markdown':
            out |= {slug(h) for h in re.findall(r'^#{1,6}\s+(.+?)\s*$', ''.join(c['source']), re.M)}
    return out | {slug(entry_name(md)) for md in api_entries(nb)}


def check_links(nb, page_anchors, page):
    "Links to anchors that do not exist, and 'notebook NN' mentions that are no link."
    cells = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    for t in cells + list(api_entries(nb)):
        for target, anchor in LINK_RE.findall(t):
            target = target or page
            if target in page_anchors and anchor not in page_anchors[target]:
                yield f'link to a missing anchor: {target}#{anchor}'
    for t in cells:  # the text; code and API entries (docstrings, parameter comments) may name a notebook plainly
        for m in NB_RE.finditer(CODE_RE.sub('', t)): yield f'"{m.group(0)}" is not a link'


def _names(tree, ctx):
    "Names a parsed cell defines (ctx='def') or reads (ctx='use')."
    out = set()
    for n in ast.walk(tree):
        if ctx == 'def' and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store if ctx == 'def' else ast.Load): out.add(n.id)
        elif ctx == 'def' and isinstance(n, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split('.')[0] for a in n.names}
        elif ctx == 'def' and isinstance(n, ast.arg): out.add(n.arg)
        elif ctx == 'def' and isinstance(n, ast.ExceptHandler) and n.name: out.add(n.name)
    return out


def _imported(tree):
    return {(a.asname or a.name).split('.')[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in n.names}


def _parse(src):
    src = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    try: return ast.parse(src)
    except SyntaxError: return None


def check_hidden_names(source_nb):
    "Visible code cells that read a name only hidden cells (or private exported names) define."
    hidden, shown = set(), set(dir(builtins))
    cells = []
    for c in source_nb['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source']); tree = _parse(src)
        if tree is None: continue
        first = [l.strip().replace(' ', '') for l in src.splitlines() if l.strip().startswith('#|')]
        defs = _names(tree, 'def')
        if '#|hide' in first: hidden |= defs - _imported(tree)  # imports in a hidden cell are fine: the usual setup cell
        elif any(d.startswith('#|export') for d in first):
            hidden |= {n for n in defs if n.startswith('_')}; shown |= {n for n in defs if not n.startswith('_')}
        else: shown |= defs; cells.append((src, tree))
    for src, tree in cells:
        for name in sorted(_names(tree, 'use') & (hidden - shown)):
            yield f'visible cell reads {name!r}, defined only in a hidden cell: {src.strip().splitlines()[0][:60]}'


FIRST_PATH = ('00_', '01_', '02_', '03_', '04_')  # the first reader's path: short main-flow cells
MAX_MAIN_LINES = 40

def _directive_words(src):
    return [l[2:].replace(':', ' ').split() for l in src.splitlines() if l.startswith('#|')]

def check_main_flow(source_nb, name):
    "Visible code cells over MAX_MAIN_LINES lines before `## Details`, in the notebooks of the first reader's path."
    if not name.startswith(FIRST_PATH): return
    for i, c in enumerate(source_nb['cells']):
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown' and src.startswith('## Details'): return
        words = [w for d in _directive_words(src) for w in d]
        folded = 'code-fold' in words and 'true' in words  # collapsed on the site, like a hidden cell until opened
        if c['cell_type'] != 'code' or 'hide' in words or ('echo' in words and 'false' in words) or folded: continue
        n = len([l for l in src.splitlines() if not l.startswith('#|')])
        if n > MAX_MAIN_LINES:
            yield (f'main-flow code cell {i} has {n} lines (at most {MAX_MAIN_LINES} before ## Details): '
                   f'{src.strip().splitlines()[0][:60]}')

def check_exercises(source_nb):
    "Exercises (`my_name = None`) with their check in the same cell and a folded worked solution that runs as a test."
    cells = source_nb['cells']
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        for name in re.findall(r'^(my_\w+) = None', src, re.M):
            if f'check_exercise({name},' not in src: yield f'exercise {name} (cell {i}) has no check_exercise({name}, ...) in its cell'
            later = [''.join(d['source']) for d in cells[i + 1:i + 3] if d['cell_type'] == 'code']
            if not any('code-fold: true' in t and re.search(r'test_eq\(check_exercise\(solution_\w+', t) for t in later):
                yield f'exercise {name} (cell {i}) has no folded worked solution checked by test_eq(check_exercise(...))'

def selftest(nbs='nbs'):
    "Plant a 41-line main-flow cell in 01 and an exercise without its check in 03; both rules must report them."
    nb = json.loads((Path(nbs)/'01_rates.ipynb').read_text())
    nb['cells'].insert(5, dict(cell_type='code', source=['x = 0\n'] * 41, metadata={}, outputs=[], execution_count=None))
    long_ok = any('main-flow code cell 5 has 41 lines' in e for e in check_main_flow(nb, '01_rates.ipynb'))
    nb = json.loads((Path(nbs)/'03_losses.ipynb').read_text())
    nb['cells'].append(dict(cell_type='code', source=['my_planted = None\n'], metadata={}, outputs=[], execution_count=None))
    ex_ok = sum('my_planted' in e for e in check_exercises(nb)) == 2
    print(f'selftest: planted long main-flow cell {"caught" if long_ok else "MISSED"}, '
          f'planted exercise without check {"caught" if ex_ok else "MISSED"}')
    return 0 if long_ok and ex_ok else 1

def check_api(md, strict=False):
    "Problems of one API entry."
    name = entry_name(md)
    if 'Call self as a function' in md: yield f'{name}: documented as "Call self as a function"'
    for sig in SIG_RE.findall(md):
        if re.search(r'\[[^\]\n]*\]\([^)\n]*\)', sig): yield f'{name}: markdown link inside the signature block'
        for m in (BAD_SIG_RE.findall(sig) + (FACTORY_RE.findall(sig) if strict else [])):
            yield f'{name}: the rendered signature shows {m}'
    rest = SIG_RE.sub('', md)
    for line in rest.splitlines():
        s = line.strip()
        if s.startswith('*') and not s.startswith('**') and s.endswith('*'):
            inner = CODE_RE.sub('', s[1:-1])
            if '*' in inner.replace('\\*', ''): yield f'{name}: unbalanced emphasis in the docstring: {s[:80]}'


def math_spans(nb):
    "(where, tex, display) for every maths span of the markdown cells and markdown outputs, and stray dollars."
    texts = [('cell', ''.join(c['source'])) for c in nb['cells'] if c['cell_type'] == 'markdown']
    texts += [('output', md) for md in api_entries(nb)]
    spans, stray = [], []
    for where, t in texts:
        t = CODE_RE.sub('', t)
        for m in MATH_RE.finditer(t): spans.append((where, m.group(1) or m.group(2), m.group(1) is not None))
        left = MATH_RE.sub('', t).replace('\\$', '')
        for para in left.split('\n\n'):
            if '$' in para: stray.append(para.strip()[:80])
    return spans, stray


KATEX_JS = r"""
const katex = require('katex');
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
for (const [i, tex, display] of items) {
  try { katex.renderToString(tex, {throwOnError: true, displayMode: display, strict: 'ignore'}); }
  catch (e) { out.push([i, String(e.message).split('\n')[0]]); }
}
process.stdout.write(JSON.stringify(out));
"""


def katex_errors(spans, katex_dir):
    "KaTeX's error for each span that does not render, by index."
    if not spans: return {}
    r = subprocess.run(['node', '-e', KATEX_JS], input=json.dumps([[i, s[1], s[2]] for i, s in enumerate(spans)]),
                       capture_output=True, text=True, cwd=katex_dir, env={'NODE_PATH': str(Path(katex_dir) / 'node_modules'),
                                                                           'PATH': '/usr/bin:/bin:/usr/local/bin'})
    if r.returncode: raise RuntimeError(f'KaTeX in Node failed: {r.stderr.strip()[:500]}')
    return dict(json.loads(r.stdout))


def check_outputs(nb):
    "Outputs shown as text repr of a picture, GIF-only outputs, absolute paths."
    for i, c in enumerate(nb['cells']):
        for o in _outputs(c):
            d, t = o.get('data', {}), _text(o)
            if TEXT_REPR_RE.search(_plain(o)) and not any(k in d for k in ('image/png', 'image/jpeg', 'image/svg+xml', 'text/html')):
                yield f'cell {i}: output shown as text: {TEXT_REPR_RE.search(_plain(o)).group(0)}'
            if 'image/gif' in d and not any(k in d for k in ('image/png', 'image/jpeg', 'image/svg+xml')):
                yield f'cell {i}: a GIF output, which the docs cannot show (add a PNG beside it)'
            for m in PATH_RE.finditer(t): yield f'cell {i}: absolute path of the build machine: {m.group(0)[:80]}'


def render_html(path, out_dir):
    "The page as HTML through nbconvert (offline), written to out_dir; returns the HTML."
    from nbconvert import HTMLExporter
    import nbformat
    html, _ = HTMLExporter().from_notebook_node(nbformat.read(path, as_version=4))
    if out_dir: (Path(out_dir) / (path.stem + '.html')).write_text(html)
    return html


def check_page(path, katex_dir, html_dir, page_anchors=None, source=None, strict=False):
    nb = json.loads(path.read_text())
    errs = [f'API entry {e}' for md in api_entries(nb) for e in check_api(md, strict)]
    names = [entry_name(md) for md in api_entries(nb)]
    errs += [f'API entry {n} is documented {names.count(n)} times' for n in sorted(set(names)) if names.count(n) > 1]
    errs += list(check_links(nb, page_anchors or {}, html_name(path)))
    if source is not None and source.exists():
        src_nb = json.loads(source.read_text())
        errs += list(check_hidden_names(src_nb)) + list(check_main_flow(src_nb, source.name)) + list(check_exercises(src_nb))
    errs += list(check_outputs(nb))
    spans, stray = math_spans(nb)
    for i, msg in katex_errors(spans, katex_dir).items(): errs.append(f'maths KaTeX cannot render ({msg}): ${spans[int(i)][1][:60]}$')
    errs += [f'stray $ in text: {p}' for p in stray]
    html = render_html(path, html_dir)
    n_img = len([m for m in re.findall(r'<img\b[^>]*>', html) if 'colab-badge' not in m])  # the Colab badge is no figure
    if path.name not in NO_FIGURES and n_img == 0: errs.append('the page shows no figure')
    if TEXT_REPR_RE.search(html): errs.append(f'HTML shows a picture as text: {TEXT_REPR_RE.search(html).group(0)}')
    return errs, n_img, len(spans)


def html_name(path):
    "The docs page of a notebook: 03_losses.ipynb -> losses.html, index.ipynb -> index.html."
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', Path(path).stem) + '.html'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--proc', default='_proc', help='folder of processed notebooks (nbdev_proc_nbs)')
    p.add_argument('--html', default=None, help='also write the HTML pages here')
    p.add_argument('--katex', default='.ci/node', help='folder whose node_modules holds katex')
    p.add_argument('--nbs', default='nbs', help='folder of the source notebooks (for the hidden-name rule)')
    p.add_argument('--strict', action='store_true', help="also the rule whose problems are not all fixed yet (<factory> in Config's signature)")
    p.add_argument('--selftest', action='store_true', help='plant a case of the main-flow and exercise rules; fail unless caught')
    a = p.parse_args(argv)
    if a.selftest: return selftest(a.nbs)
    if not (Path(a.katex) / 'node_modules' / 'katex').is_dir() or not shutil.which('node'):
        sys.exit(f'check_docs: needs node and katex in {a.katex}/node_modules (npm install --prefix {a.katex} katex)')
    if a.html: Path(a.html).mkdir(parents=True, exist_ok=True)
    pages = sorted(Path(a.proc).glob('*.ipynb'))
    if not pages: sys.exit(f'check_docs: no pages in {a.proc}: run nbdev_proc_nbs first')
    page_anchors = {html_name(p): anchors(json.loads(p.read_text())) for p in pages}
    bad = 0
    for path in pages:
        errs, n_img, n_math = check_page(path, a.katex, a.html, page_anchors, Path(a.nbs)/path.name, a.strict)
        print(f'{path.name}: {n_img} figures, {n_math} maths spans, {len(errs)} problems')
        for e in errs: print(f'  {path.name}: {e}')
        bad += len(errs)
    print(f'docs check: {len(pages)} pages, {bad} problems')
    return 1 if bad else 0


if __name__ == '__main__': sys.exit(main())
