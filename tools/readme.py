"""Write README.md from nbs/index.ipynb (Quarto, which `nbdev_readme` needs, is not always at hand).

    python tools/readme.py          # rewrite README.md
    python tools/readme.py --check  # exit 1 when README.md is out of step with nbs/index.ipynb
"""
import re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent

def _directives(src):
    "The `#| ...` directive words at the top of a cell."
    out = []
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out += line[2:].replace(':', ' ').split()
    return out

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "Markdown for the README: markdown cells, visible code cells and their text outputs, printed markdown, images re-pointed."
    nb = nbformat.read(nb_path, as_version=4)
    parts = []
    for cell in nb.cells:
        src = cell.source.strip()
        if cell.cell_type == 'markdown':
            src = re.sub(r'\]\((?!https?://)(images/[^)]+)\)', r'](nbs/\1)', src)   # ![..](images/x.png)
            src = re.sub(r'src="(?!https?://)(images/[^"]+)"', r'src="nbs/\1"', src)  # <img src="images/x.png">
            parts.append(src)
        elif cell.cell_type == 'code' and 'asis' in _directives(src):  # echo: false, output: asis: the markdown it prints
            text = ''.join(o.get('text', '') for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
            parts.append(re.sub(r'\]\((?!https?://)(images/[^)]+)\)', r'](nbs/\1)', text.strip()))
        elif cell.cell_type == 'code' and 'hide' not in _directives(src) and src:
            code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|'))
            parts.append(f'```python\n{code}\n```')
            texts = [o.get('text', '') for o in cell.get('outputs', []) if o.get('output_type') == 'stream']
            if ''.join(texts).strip(): parts.append('```\n' + ''.join(texts).rstrip() + '\n```')
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    md, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text(encoding='utf-8') != md:
            sys.exit('README.md is out of step with nbs/index.ipynb: run `python tools/readme.py` and commit it')
        print('README.md matches nbs/index.ipynb')
    else:
        readme.write_text(md, encoding='utf-8')
        print(f'wrote {readme}')
