"""Hostile inputs to the three command lines, each under a 4 GB address-space cap and a time limit.

    python bench/hostile.py                 # every case, 4 GB cap (ulimit -v), 60 s limit per command
    python bench/hostile.py --cap_gb 4 --limit 30

Each case builds a small file (a few hundred bytes to a few MB: alias bombs, repeated keys, huge or deeply nested
JSON, FIFOs, links to /dev/zero, symlink loops, shared-list checkpoints, corrupt cards) or a bad setting, then runs
`dvit_train`, `dvit_sample` or `dvit_eval` on it in a fresh process under `ulimit -v` and `timeout`. A case passes when
the command ends within the limit with one line on stderr that contains the expected words; the table prints the
case, the exit status, the seconds and that line. A tiny digits checkpoint is trained first (a few seconds).
"""
import argparse, os, subprocess, sys, tempfile, time
from pathlib import Path
import torch

BIN = Path(sys.executable).parent


def run(cmd:list, cap_gb:float, limit:float) -> tuple:
    "Run a command line under the caps: (exit status, seconds, last line of stderr)."
    sh = f"ulimit -v {int(cap_gb * 2**20)}; exec timeout {limit} " + ' '.join(map(_quote, cmd))
    t0 = time.perf_counter()
    p = subprocess.run(['bash', '-c', sh], capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return p.returncode, time.perf_counter() - t0, lines[-1] if lines else ''


def _quote(s) -> str:
    s = str(s)
    return "'" + s.replace("'", "'\\''") + "'"


def cases(d:Path, ck:Path) -> list:
    "(name, command, words expected on stderr)."
    lol = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' + ''.join(
        f'{k}: &{k} [{", ".join([f"*{p}"] * 9)}]\n' for p, k in zip('abcdefgh', 'bcdefghi'))
    (d/'bomb.yaml').write_text(lol)
    (d/'dup.yaml').write_text('model:\n  depth: 2\n  depth: 3\n')
    (d/'dup.json').write_text('{"model": {"depth": 2, "depth": 3}}')
    (d/'list.yaml').write_text('x: [' + '1, ' * 2_000_000 + '1]\n')  # 6 MB
    (d/'list1.yaml').write_text('x: [' + '1, ' * 349_000 + '1]\n')  # just under the 1 MiB bound: 349,001 values
    (d/'deep.json').write_text('[' * 200_000 + ']' * 200_000)
    os.mkfifo(d/'fifo.yaml'); os.mkfifo(d/'fifo.pt')
    os.symlink('/dev/zero', d/'zero.pt'); os.symlink(d/'loop_b.pt', d/'loop_a.pt'); os.symlink(d/'loop_a.pt', d/'loop_b.pt')
    c = torch.load(ck, weights_only=True)
    big = [list(range(1000))] * 10_000  # 10^7 numbers through one shared list: 200 KB on disk
    torch.save(dict(c, history=big), d/'shared_history.pt')
    bigger = [list(range(10_000))] * 10_000  # 10^8 numbers, 240 KB on disk
    torch.save(dict(c, step=bigger), d/'shared_step.pt'); torch.save(dict(c, rng=bigger), d/'shared_rng.pt')
    torch.save(dict(c, config=dict(c['config'], model=dict(c['config']['model'], depth=big))), d/'shared_config.pt')
    out = ['--out', str(d/'x.png'), '--no_progress', '--device', 'cpu']
    train = [BIN/'dvit_train']; sample = [BIN/'dvit_sample']; ev = [BIN/'dvit_eval']
    return [
        ('YAML alias bomb (400 bytes)', train + [d/'bomb.yaml', '--out', d/'r1'], 'alias'),
        ('YAML key given twice', train + [d/'dup.yaml', '--out', d/'r2'], 'appears twice'),
        ('JSON key given twice', train + [d/'dup.json', '--out', d/'r3'], 'appears twice'),
        ('6 MB YAML list', train + [d/'list.yaml', '--out', d/'r4'], 'at most 1,048,576 are read'),
        ('1 MB YAML list (349,001 values)', train + [d/'list1.yaml', '--out', d/'r4b'], 'more than 101,000 values'),
        ('JSON nested 200,000 deep', train + [d/'deep.json', '--out', d/'r5'], 'nests too deeply'),
        ('config file is a FIFO', train + [d/'fifo.yaml', '--out', d/'r6'], 'named pipe (FIFO)'),
        ('checkpoint is a FIFO', sample + [d/'fifo.pt'] + out, 'named pipe (FIFO)'),
        ('checkpoint links to /dev/zero', sample + [d/'zero.pt'] + out, 'character device'),
        ('checkpoint is a symlink loop', sample + [d/'loop_a.pt'] + out, 'symbolic link loop'),
        ('checkpoint is a folder', sample + [d] + out, 'is a folder'),
        ('history shares one list 10^4 times', sample + [d/'shared_history.pt'] + out, 'history='),
        ('step shares one list 10^4 x 10^4', sample + [d/'shared_step.pt'] + out, 'step=[[0, 1, 2'),
        ('rng shares one list 10^4 x 10^4', sample + [d/'shared_rng.pt'] + out, 'rng=[[0, 1, 2'),
        ('config shares one list 10^4 times', sample + [d/'shared_config.pt'] + out, 'model.depth: cannot read'),
        ('sampler.num_steps 3,000,000', sample + [ck, '--sampler.num_steps', '3000000'] + out, 'expected an int in [1, 100000]'),
        ('setting the sampler does not read', sample + [ck, '--sampler.remask_rate', '5'] + out, 'does not read it'),
        ('loss setting the loss does not read', train + ['digits', '--out', d/'r7', '--loss.nll_weight', '5'],
         'does not read it'),
        ('--out in a folder that takes no files', sample + [ck, '--out', '/proc/x.png', '--no_progress'],
         'does not take new files'),
        ('--bpd_images beyond the test set', ev + [ck, '--n', '2', '--bpd_images', '5000', '--no_progress'],
         'the digits test set has 297 images'),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cap_gb', type=float, default=4., help='address-space cap in GB (default: 4)')
    ap.add_argument('--limit', type=float, default=60., help='seconds allowed per command (default: 60)')
    a = ap.parse_args()
    d = Path(tempfile.mkdtemp(prefix='dvit_hostile_'))
    subprocess.run([BIN/'dvit_train', 'digits', '--out', d/'run', '--no_progress', '--device', 'cpu', '--model.depth', '1',
                    '--model.hidden_dim', '16', '--training.n_iters', '2', '--sampler.sample_freq', '0',
                    '--saving.checkpoint_freq', '0'], check=True, capture_output=True)
    ok = 0
    rows = cases(d, d/'run'/'checkpoint.pt')
    for name, cmd, words in rows:
        rc, sec, line = run(cmd, a.cap_gb, a.limit)
        good = rc not in (0, 124, 137) and words in line and sec < a.limit
        ok += good
        print(f"{'ok ' if good else 'BAD'} {name:40s} exit {rc:3d} {sec:5.1f} s  {line[:150]}", flush=True)
    print(f"{ok} of {len(rows)} cases refused with the expected message, each within {a.limit:g} s under {a.cap_gb:g} GB")
    sys.exit(0 if ok == len(rows) else 1)


if __name__ == '__main__': main()
