"""kill -9 torture of dvit_train: N SIGKILLs at random moments, each followed by checks and a resume.

    python bench/torture.py                 # 20 kills
    python bench/torture.py --kills 50 --seed 1 --keep runs/torture
    python bench/torture.py --spawn         # each run a fresh interpreter (slower: torch is imported every time)
    python bench/torture.py --kills 0 --races 50   # only the two-writers race
    python bench/torture.py --kills 0 --races 0 --exports 30   # only the export kills

Two writers: then, `--races` times (default 20), a new run starts on a fresh folder and a second run with another
network starts on the same folder 0.05 to 1.5 s later (random). The second must be refused (the folder is in use, or
already holds a checkpoint) and the first run's checkpoint, config.yaml and sample grids must be its own. The race
once lost a finished run: the second run checked for a checkpoint before it took the folder's lock.

A tiny digits run (a one-block U-ViT) saves a checkpoint and config.yaml every 2 steps and a sample grid and the loss
plot every 3 steps, so it is writing a file most of the time. Kills come in a cycle of five: one at a random moment,
then four aimed at a write of config.yaml, the checkpoint, the loss plot and a sample grid (the script kills as soon as
it sees that file's temporary; the write may still finish first, and the report counts the kills that really left a
half-written temporary). After each kill the script checks that checkpoint.pt loads with `torch.load(weights_only=True)` (and passes
`read_checkpoint`: finite weights, a valid config), that config.yaml parses and equals the checkpoint's config, and
which temporary files the kill left. It then starts `dvit_train --out OUT --resume` and counts the run as resumed when
it reports the checkpoint's step and saves a checkpoint at a later step. Once, a second `dvit_train` on the busy
folder must be refused. The resume after the last kill runs to completion; then no temporary file and no lock file
may be left.

Exports (`--exports N`): a forked child exports one tiny checkpoint again and again into a models folder (cards that
alternate between two sampler settings, so every export writes new weights and a new card); N times it is killed with
SIGKILL at a random moment up to 0.3 s into an export, and after each kill the model must load with
`load_pretrained` (its hash checked), as the old pair or the new one. The report counts which pair was found and how
many files the kills left beside the live pair (new weights whose card never moved, half-written temporaries).

Each run is a child process that executes the `dvit_train` command line (`train_main`); by default it is forked
from this script, which has imported the package already, so that a run starts in milliseconds instead of the
seconds an interpreter needs to import torch.
"""
import os
os.environ.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', MPLBACKEND='Agg')
import argparse, multiprocessing, random, signal, subprocess, sys, tempfile, time
from collections import Counter
from pathlib import Path
import torch
from dvit_nbdev.core import TEMP_SUFFIX
from dvit_nbdev.generate import read_checkpoint
from dvit_nbdev.config import load_config
from dvit_nbdev.cli import train_main
from dvit_nbdev.pretrained import export_pretrained, load_pretrained, model_card

TINY = ['--no_progress', '--device', 'cpu', '--model.depth', '1', '--model.hidden_dim', '16', '--model.num_heads', '2',
        '--data.batch_size', '16', '--training.n_iters', '1000000', '--training.log_freq', '1', '--training.warmup', '10',
        '--saving.checkpoint_freq', '2', '--sampler.sample_freq', '3', '--sampler.num_steps', '4', '--sampler.num_samples', '4']
CMD = [sys.executable, '-c', 'from dvit_nbdev.cli import train_main; train_main()']


def _child(args:list, log:str):
    "A forked run: stdout and stderr to `log`, then the dvit_train command line."
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1); os.dup2(fd, 2)
    sys.stdout, sys.stderr = open(1, 'w', buffering=1, closefd=False), open(2, 'w', buffering=1, closefd=False)
    sys.argv = ['dvit_train'] + args
    try: train_main(); code = 0
    except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(code)


class Run:
    "A dvit_train run in a child process: forked from this one, or (spawn) a fresh interpreter."
    def __init__(self, args:list, log:Path, spawn:bool):
        if spawn:
            with open(log, 'w') as f: self.p = subprocess.Popen(CMD + args, stdout=f, stderr=subprocess.STDOUT)
        else:
            self.p = multiprocessing.get_context('fork').Process(target=_child, args=(args, str(log))); self.p.start()
    def poll(self): return self.p.poll() if isinstance(self.p, subprocess.Popen) else self.p.exitcode
    def kill(self): os.kill(self.p.pid, signal.SIGKILL); self.wait()
    def wait(self, timeout=None):
        if isinstance(self.p, subprocess.Popen): return self.p.wait(timeout)
        self.p.join(timeout); return self.p.exitcode


def checkpoint_step(ck:Path):
    "The step of a checkpoint read with weights_only=True, or None when there is none yet."
    return torch.load(ck, weights_only=True)['step'] if ck.exists() else None


def wait_past(p:Run, ck:Path, step, timeout:float) -> bool:
    "Wait until the run has saved a checkpoint after `step` (None: any); False if it exits or times out first."
    t0, seen = time.time(), None
    while time.time() - t0 < timeout:
        if p.poll() is not None: return False
        m = ck.stat().st_mtime_ns if ck.exists() else None
        if m is not None and m != seen:
            seen = m
            s = checkpoint_step(ck)
            if step is None or s > step: return True
        time.sleep(0.05)
    return False


AIMS = (None, 'config', 'checkpoint', 'loss plot', 'sample grid')
_PREFIX = {'config': ('.config.yaml.', ''), 'checkpoint': ('.checkpoint.pt.', ''), 'loss plot': ('.loss.png.', ''), 'sample grid': ('.step_', 'samples')}

def wait_for_write(out:Path, kind:str, timeout:float=20.) -> bool:
    "Wait until a temporary file of `kind` appears (a write of it is under way)."
    prefix, sub = _PREFIX[kind]
    t_end = time.time() + timeout
    while time.time() < t_end:
        try: names = os.listdir(out/sub)
        except FileNotFoundError: names = []
        if any(n.startswith(prefix) and n.endswith(TEMP_SUFFIX) for n in names): return True
        time.sleep(0.0002)
    return False


def temp_kinds(out:Path) -> Counter:
    "The temporary files of atomic_file in `out`, by the kind of file being written."
    kinds = Counter()
    for p in out.rglob(f'*{TEMP_SUFFIX}'):
        target = p.name[1:].split('.')[0]
        kinds[{'checkpoint': 'checkpoint', 'config': 'config', 'loss': 'loss plot'}.get(target, 'sample grid')] += 1
    return kinds


def check(out:Path) -> tuple:
    "After a kill: (checkpoint loadable, config.yaml intact, step)."
    try: ck, cfg = read_checkpoint(out/'checkpoint.pt')  # torch.load(weights_only=True) inside
    except Exception as e: print('  checkpoint not loadable:', e); return False, False, None
    try: intact = load_config(out/'config.yaml') == cfg
    except Exception as e: print('  config.yaml not intact:', e); intact = False
    return True, intact, ck['step']


def second_writer_refused(out:Path, logs:Path, spawn:bool) -> bool:
    "While a run holds the folder, a second dvit_train on it must stop with the lock message."
    log = logs/'second_writer.log'
    code = Run(['--out', str(out), '--resume', '--no_progress'], log, spawn).wait(120)
    return code == 1 and 'is in use by pid' in log.read_text()


RACE_FIRST = ['digits', '--no_progress', '--device', 'cpu', '--model.depth', '1', '--model.hidden_dim', '16',
              '--model.num_heads', '2', '--data.batch_size', '16', '--training.n_iters', '150', '--saving.checkpoint_freq', '0',
              '--sampler.sample_freq', '0', '--sampler.num_steps', '4', '--sampler.num_samples', '4']
# a large network: the second run spends a second or two building it, the window in which the race was lost
RACE_SECOND = ['digits', '--no_progress', '--device', 'cpu', '--model.depth', '16', '--model.hidden_dim', '768',
               '--model.num_heads', '8', '--training.n_iters', '1', '--sampler.num_steps', '4']

def race(work:Path, n:int, rng:random.Random, spawn:bool) -> Counter:
    "`n` pairs of runs on one fresh folder each, the second 0.05-1.5 s after the first: what happened, counted."
    seen = Counter()
    for i in range(n):
        out, logs = work/f'race_{i:02d}', work/'logs'
        first = Run(RACE_FIRST + ['--out', str(out)], logs/f'race_{i:02d}_first.log', spawn)
        time.sleep(rng.uniform(0.05, 1.5))
        second = Run(RACE_SECOND + ['--out', str(out)], logs/f'race_{i:02d}_second.log', spawn)
        c1, c2 = first.wait(300), second.wait(300)
        said = (logs/f'race_{i:02d}_second.log').read_text()
        seen['second refused: in use' if c2 == 1 and 'is in use by' in said else
             'second refused: holds a checkpoint' if c2 == 1 and 'already holds a checkpoint' in said else
             f'second exited {c2}'] += 1
        try:
            ck, cfg = read_checkpoint(out/'checkpoint.pt')
            grids = sorted(p.name for p in (out/'samples').iterdir())
            ok = (c1 == 0 and ck['step'] == 150 and cfg.model.hidden_dim == 16 and load_config(out/'config.yaml') == cfg
                  and grids == ['step_0000150.png'])
        except Exception as e: print(f'  race {i}: {e}'); ok = False
        seen['first run intact'] += ok
    return seen

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kills', type=int, default=20, help='number of SIGKILLs (default: 20)')
    ap.add_argument('--max_delay', type=float, default=1.5, help='a random kill comes up to this many seconds after the run has saved (default: 1.5)')
    ap.add_argument('--seed', type=int, default=0, help='seed of the kill moments')
    ap.add_argument('--keep', default=None, help='work in this folder and keep it (default: a temporary folder, removed)')
    ap.add_argument('--spawn', action='store_true', help='start every run as a fresh interpreter instead of forking it')
    ap.add_argument('--races', type=int, default=20, help='pairs of runs started on one folder (default: 20)')
    ap.add_argument('--exports', type=int, default=0, help='SIGKILLs during export_pretrained (default: 0, none)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    rng = random.Random(a.seed)
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix='dvit_torture_'))
    out, logs = work/'run', work/'logs'
    logs.mkdir(parents=True, exist_ok=True)
    ck, t0 = out/'checkpoint.pt', time.time()
    ok = True
    if a.kills: ok = kill_rounds(a, rng, out, logs, ck, t0)
    if a.races:
        t1 = time.time(); seen = race(work, a.races, rng, a.spawn)
        print(f"two writers: {a.races} pairs, first run's checkpoint intact {seen['first run intact']} of {a.races}; "
              + ', '.join(f'{k} {v}' for k, v in sorted(seen.items()) if k != 'first run intact')
              + f'; {time.time() - t1:.0f} s', flush=True)
        ok = ok and seen['first run intact'] == a.races
    if a.exports: ok = export_kills(work, a.exports, rng, logs) and ok
    if not a.keep: import shutil; shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


def kill_rounds(a, rng:random.Random, out:Path, logs:Path, ck:Path, t0:float) -> bool:
    "The kill -9 rounds; True when every checkpoint loaded, every run resumed and nothing was left behind."
    loadable = resumed = intact = 0
    hit, most_temps, stale_taken = Counter(), 0, 0
    p = Run(['digits', '--out', str(out)] + TINY, logs/'run_00.log', a.spawn)
    if not wait_past(p, ck, None, 180): sys.exit(f"the first run did not save a checkpoint: see {logs/'run_00.log'}")
    refused = second_writer_refused(out, logs, a.spawn)
    for i in range(1, a.kills + 1):
        aim = AIMS[(i - 1) % len(AIMS)]
        if aim is None: time.sleep(rng.uniform(0, a.max_delay))
        else: wait_for_write(out, aim)
        p.kill()
        kinds = temp_kinds(out); hit += kinds; most_temps = max(most_temps, sum(kinds.values()))
        ok_load, ok_cfg, step = check(out)
        loadable += ok_load; intact += ok_cfg
        last = i == a.kills
        log = logs/f'run_{i:02d}.log'
        p = Run(['--out', str(out), '--resume'] + (['--training.n_iters', str(step + 4)] if last and step is not None else []), log, a.spawn)
        if last:
            done = p.wait(180) == 0 and checkpoint_step(ck) == step + 4
        else: done = wait_past(p, ck, step, 180)
        said = f'at step {step}\n' in log.read_text()
        resumed += bool(done and said)
        stale_taken += 'took over the stale lock' in log.read_text()
        print(f'kill {i:2d} ({aim or "random"}): step {step}, temporaries left {dict(kinds) or 0}, loadable {ok_load}, config intact {ok_cfg}, resumed {bool(done and said)}', flush=True)
    left = sorted(str(q.relative_to(out)) for q in out.rglob('.*') if q.is_file())
    print(f'{a.kills} kills, {loadable} loadable, {resumed} resumed, {intact} configs intact')
    print(f"kills that left a temporary file (killed mid-write): {sum(hit.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(hit.items())) or 'none'}); at most {most_temps} after one kill, "
          f"{len(left)} left at the end{': ' + ', '.join(left) if left else ''}")
    print(f'stale locks taken over: {stale_taken}; second writer on the busy folder refused: {refused}; '
          f'final run ended at step {checkpoint_step(ck)}; {time.time() - t0:.0f} s')
    return loadable == resumed == intact == a.kills and refused and not left




def _exporter(ck:str, folder:str, log:str):
    "A forked child: export the checkpoint again and again, alternating between two cards."
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1); os.dup2(fd, 2)
    k = 0
    while True:
        k += 1
        export_pretrained(ck, 'tiny', {'sampler_overrides': {'sampler.num_steps': 5 + k % 2}, 'export': k}, folder)
        os.write(1, f'export {k}\n'.encode())


def export_kills(work:Path, n:int, rng:random.Random, logs:Path) -> bool:
    "SIGKILL an exporting process n times; after each kill the model must load. True when it always did."
    run, models = work/'export_run', work/'models'
    subprocess.run(CMD + ['digits', '--out', str(run)] + TINY[:11] + ['--training.n_iters', '4', '--saving.checkpoint_freq', '0',
                          '--sampler.sample_freq', '0'], check=True, capture_output=True)
    export_pretrained(run/'checkpoint.pt', 'tiny', {'sampler_overrides': {'sampler.num_steps': 5}, 'export': 0}, models)
    ctx, loads, seen = multiprocessing.get_context('fork'), 0, Counter()
    for i in range(1, n + 1):
        p = ctx.Process(target=_exporter, args=(str(run/'checkpoint.pt'), str(models), str(logs/'export.log')))
        p.start(); time.sleep(rng.uniform(0.05, 0.4)); os.kill(p.pid, signal.SIGKILL); p.join()
        try:
            load_pretrained('tiny', 'cpu', models); loads += 1
            seen['export ' + ('even' if model_card('tiny', models)['export'] % 2 == 0 else 'odd')] += 1
        except Exception as e: print(f'  export kill {i}: {e}', flush=True)
        live = {'tiny.json', model_card('tiny', models)['weights_file']}
        left = [f.name for f in models.iterdir() if f.name not in live and f.name != '.dvit.lock']
        seen['left'] = max(seen['left'], len(left)); seen['temporaries'] += sum(f.endswith(TEMP_SUFFIX) for f in left)
    print(f"{n} kills during exports, {loads} loadable afterwards; cards found "
          f"{seen['export even']} even / {seen['export odd']} odd exports; at most {seen['left']} files beside the live pair "
          f"after a kill ({seen['temporaries']} half-written temporaries in all)",
          flush=True)
    return loads == n


if __name__ == '__main__': main()
