"""FID against training time: train a preset for a wall-clock (or step) budget and measure samples at a few points.

    python bench/time_to_quality.py mnist_cpu                              # 600 s (the preset's max_seconds), 5 points
    python bench/time_to_quality.py mnist_cpu --budget 300 --points 3 --set data.S=256 model.hidden_dim=128
    python bench/time_to_quality.py my_config.yaml --steps 3000 --points 3  # equal step counts: compare on a busy machine

The trainer's own `Trainer.fit` runs in chunks (each stops at `training.max_seconds`, or at a step count); the training
seconds are those `fit` measures, so evaluation is not counted. After each chunk, `--n` images are sampled with the
config's sampler from the raw weights and from the EMA weights, and scored with the package's FID
(`dvit_nbdev.metrics.evaluate_model`) next to its floor (the FID of as many real test images). One row per point
is printed and all rows are written to `OUT/ttq.json` (atomically); the 64 first samples of each point go to PNGs beside it.
"""
import argparse, json, os, platform
from pathlib import Path
import torch
from dvit_nbdev.core import save_images, atomic_write_text
from dvit_nbdev.metrics import evaluate_model, heldout_bpd
from dvit_nbdev.config import PRESETS, apply_overrides, config_to_dict, load_config
from dvit_nbdev.train import Trainer

def get_config(name:str, sets:list, device:str):
    "The preset or config file `name` with `key=value` overrides; no samples or checkpoints inside the timed loop."
    cfg = PRESETS[name]() if name in PRESETS else load_config(name)
    over = dict(s.split('=', 1) for s in sets)
    return apply_overrides(cfg, over | {'device': device, 'sampler.sample_freq': 0, 'saving.checkpoint_freq': 0})

def score(net, tr, n:int, seed:int, png:Path) -> dict:
    "FID (and its floor) of n samples from `net` with the config's sampler (the package's `evaluate_model`), and the sampling time."
    m, x = evaluate_model(net, tr.rate, tr.cfg, n, seed, batch_size=None, return_samples=True)
    save_images(x[:64], tr.cfg.data.S, png, nrow=8)
    return dict(fid=m['fid'], floor=m['fid_floor'], floor_sd=m['fid_floor_sd'], ratio=m['fid'] / m['fid_floor'], is_=m['is'],
                class_tv=m['class_tv'], sample_s=m['sample_seconds'])

def bits_per_dim(tr, n:int, seed:int) -> dict:
    "The EMA network's negative ELBO in bits per dimension on the first n test images (the loss's own bound, notebook 11)."
    b = heldout_bpd(tr.ema.module, tr.rate, tr.cfg, n, seed)
    return dict(bpd=b['bpd'], se=b['se'], images=b['images'])

def write_json(obj, path:Path):
    "Write obj as JSON, atomically."
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json.dumps(obj, indent=1), path)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('config', help=f"a preset ({', '.join(PRESETS)}) or a .yaml/.json config file")
    ap.add_argument('--set', nargs='+', action='extend', default=[], metavar='KEY=VALUE', help='dotted config overrides, e.g. model.depth=6')
    ap.add_argument('--budget', type=float, default=None, help='seconds of training (default: training.max_seconds, else 600)')
    ap.add_argument('--steps', type=int, default=None, help='train this many steps instead of a time budget')
    ap.add_argument('--points', type=int, default=5, help='evaluations, evenly spaced in the budget (default: 5)')
    ap.add_argument('--at', type=float, nargs='+', default=None, metavar='SECONDS',
                    help='evaluate at these training seconds instead (the last is the budget), e.g. --at 600 1800 3600')
    ap.add_argument('--bpd_images', type=int, default=0, help='also bits/dim on this many MNIST test images (default: 0, none)')
    ap.add_argument('--n', type=int, default=256, help='samples per FID (default: 256)')
    ap.add_argument('--weights', nargs='+', default=['raw', 'ema'], choices=['raw', 'ema'], help='weights to score (default: both)')
    ap.add_argument('--threads', type=int, default=None, help='torch.set_num_threads (default: torch decides, from OMP_NUM_THREADS)')
    ap.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'auto' (default: cpu)")
    ap.add_argument('--seed', type=int, default=0, help='seed of the samples and of the floor subsets')
    ap.add_argument('--out', default=None, help='output folder (default: runs/ttq/<config name>); rows in OUT/ttq.json')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    cfg = get_config(a.config, a.set, a.device)
    if a.at and (a.steps or a.budget or sorted(a.at) != a.at or a.at[0] <= 0):
        raise SystemExit(f"--at {a.at}: expected increasing positive seconds, without --steps or --budget")
    budget = a.at[-1] if a.at else a.steps or a.budget or cfg.training.max_seconds or 600.
    marks = a.at or [budget * k / a.points for k in range(1, a.points + 1)]
    out = Path(a.out or Path('runs/ttq')/Path(a.config).stem)
    tr = Trainer(cfg, out, progress=False)
    if a.steps: tr.cfg.training.max_seconds = None
    elif cfg.training.lr_decay == 'none': tr.cfg.training.n_iters = 10**9  # a decay keeps its n_iters (and may end first)
    info = dict(config=config_to_dict(cfg), args=vars(a), threads=torch.get_num_threads(), cpu=platform.processor() or platform.machine(),
                params_M=sum(p.numel() for p in tr.model.parameters()) / 1e6, device=str(tr.device), rows=[])
    print(f"{Path(a.config).stem} {' '.join(a.set)}: {info['params_M']:.2f}M parameters, {info['threads']} threads, "
          f"budget {budget:g} {'steps' if a.steps else 's'} in {len(marks)} points, FID of {a.n} samples ({cfg.sampler.name}, {cfg.sampler.num_steps} steps)")
    print(f"{'train_s':>7s} {'steps':>6s} {'steps/s':>7s} {'loss':>7s} " + ' '.join(f"{'FID ' + w:>8s}" for w in a.weights)
          + f" {'floor':>5s} " + ' '.join(f"{'x ' + w:>6s}" for w in a.weights) + f" {'sample_s':>8s} {'load':>4s}", flush=True)
    seconds = 0.
    for mark in marks:
        if a.steps: tr.fit(round(mark))
        else: tr.cfg.training.max_seconds = mark - seconds; tr.fit()
        seconds += tr.seconds
        recent = [l for s, l in tr.history[-100:]]
        row = dict(train_s=seconds, steps=tr.step, steps_per_s=tr.step / seconds, loss=sum(recent) / len(recent), load=os.getloadavg()[0])
        nets = dict(raw=tr.model, ema=tr.ema.module)
        for w in a.weights: row[w] = score(nets[w], tr, a.n, a.seed, out/f'samples_{w}_{tr.step:07d}.png')
        if a.bpd_images: row['bpd'] = bits_per_dim(tr, a.bpd_images, a.seed)
        info['rows'].append(row); write_json(info, out/'ttq.json')
        print(f"{seconds:7.0f} {tr.step:6d} {row['steps_per_s']:7.2f} {row['loss']:7.4f} " + ' '.join(f"{row[w]['fid']:8.1f}" for w in a.weights)
              + f" {row[a.weights[0]]['floor']:5.1f} " + ' '.join(f"{row[w]['ratio']:6.2f}" for w in a.weights)
              + f" {row[a.weights[0]]['sample_s']:8.0f} {row['load']:4.1f}", flush=True)
    # the line dvit_train ends with, which bench/make_pretrained.py reads
    atomic_write_text(f"trained {cfg.model.name} on {cfg.data.name} to step {tr.step} in {seconds:.0f}s\n", out/'train.log')
    print(f"rows in {out/'ttq.json'}, checkpoint in {out/'checkpoint.pt'}")

if __name__ == '__main__': main()
