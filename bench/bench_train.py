"""Training steps per second on MNIST at batch 64 with a ~1M-parameter U-ViT, NLL and CT-ELBO losses.

    python bench/bench_train.py                        # the mnist_small preset (1.07M U-ViT, S = 256, Gaussian target)
    python bench/bench_train.py --preset mnist_cpu     # the 0.73M DiT at S = 4 of the 10-minute MNIST run
    python bench/bench_train.py --set model.head=conv  # any config key overridden
    python bench/bench_train.py --preset mnist_uvit --device cuda --losses nll --set training.precision=bf16
                                                       # the GPU speed table: also fp32, and training.compile=true
    python bench/bench_train.py --preset mnist256_cpu --losses nll ct_elbo ct_elbo:num_dims=16 --threads 1
                                                       # the CT-ELBO at S = 256, on all 784 dimensions and on 16
    python bench/bench_train.py --preset mnist_cpu --states 4 16 256 --set model.model_output=logistic_pars \
        rate.name=gaussian_target rate.t_func=log_sqr rate.rate_const=1.0 --losses nll --threads 1
                                                       # S = 4 / 16 / 256 side by side at the same network

With --states, each S runs with data.S=S (and, for the log-linear uniform rate, rate.rate_const=1/S, its meaning); the
last column is the step time over that of the first S.

A loss may carry settings of the loss section for its row alone, `NAME:key=value,key=value` (`ct_elbo:num_dims=16`:
the CT-ELBO's sums over dimensions estimated on 16 random ones per image, notebook 03); a key with a dot names any
section (`nll:model.self_cond=true`). A self-conditioned network (notebook 05) runs one pass on half of the training
steps and two on the others: both kinds are timed (the coin's probability set to 0, then to 1) and the row's step time
is their mean, the expected step; a line under the row gives both. The column "x first loss" is
a row's step time over that of the first loss of the same S (the CT-ELBO against the NLL with `--losses nll ...`).

Each loss runs in its own subprocess: `Trainer.train_step` (loss, backward, clipping, Adam, EMA) is timed over real
MNIST batches (median of `--repeats` steps), next to the network's own forward+backward on the same batch.
The reference pipeline's NLL step took 0.9 s at batch 64 with a 1M-parameter U-ViT (patch 4) on a 2-core machine
(../shared/SEED_NOTES.md); the last column is that time divided by ours.
"""
import argparse, json, tempfile
from common import median_time, run_worker

REFERENCE_NLL_S = 0.9

def measure(loss, preset, overrides, repeats, threads, device='cpu'):
    import torch
    from dvit_nbdev.train import Trainer
    from dvit_nbdev.config import apply_overrides, PRESETS
    from dvit_nbdev import layers
    if threads: torch.set_num_threads(threads)
    name, _, sets = loss.partition(':')
    own = {(k if '.' in k else f'loss.{k}'): v for k, v in (o.split('=', 1) for o in sets.split(',') if o)}
    cfg = apply_overrides(PRESETS[preset](), {'device': device, 'loss.name': name, **own,
                                              **dict(o.split('=', 1) for o in overrides)})
    tr = Trainer(cfg, tempfile.mkdtemp(), progress=False)
    batches = tr._batches()
    x0, y = next(batches)
    xd = x0.to(tr.device)
    net = lambda: tr.model(xd, torch.rand(len(xd), device=tr.device) * 0.99 + 0.01).float().mean().backward()
    sync = torch.cuda.synchronize if tr.device.type == 'cuda' else (lambda: None)
    step = lambda: tr.train_step(*next(batches))
    if cfg.model.self_cond: layers.SELF_COND_PROB = 0.  # one pass: the network's own cost, and the one-pass steps
    net_s = median_time(net, 3, repeats, sync)
    step_s = median_time(step, 3, repeats, sync)  # compiles on its first calls
    net_s = min(net_s, median_time(net, 0, repeats, sync))  # again after the steps: the first calls can run slow
    extra = {}
    if cfg.model.self_cond:  # the two-pass steps too; the coin makes each kind half of the steps
        layers.SELF_COND_PROB = 1.
        extra = dict(one_pass_s=step_s, two_pass_s=median_time(step, 1, repeats, sync))
        step_s = (extra['one_pass_s'] + extra['two_pass_s']) / 2
    return dict(loss=loss, params_M=sum(p.numel() for p in tr.model.parameters()) / 1e6, B=cfg.data.batch_size,
                step_s=step_s, net_s=net_s, threads=torch.get_num_threads(), device=str(tr.device), **extra)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist_small', help='a preset of dvit_nbdev.config.PRESETS')
    ap.add_argument('--set', nargs='+', action='extend', default=[], metavar='KEY=VALUE', help='config overrides key=value')
    ap.add_argument('--repeats', type=int, default=10)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--device', default='cpu', help="'cpu' (default), 'cuda' or 'auto'")
    ap.add_argument('--losses', nargs='+', default=['nll', 'ct_elbo'], metavar='LOSS[:key=value,...]',
                    help="losses of the registry, each with settings of its own: e.g. nll ct_elbo:num_dims=16")
    ap.add_argument('--states', nargs='+', type=int, default=None, help='numbers of states S to compare (data.S)')
    ap.add_argument('--worker', nargs=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(measure(a.worker[0], a.preset, a.set, a.repeats, a.threads, a.device))); return
    states, first = a.states or [None], {}
    print(f"{'loss':22s} {'S':>4s} {'params':>7s} {'B':>3s} {'steps/s':>8s} {'s/step':>7s} {'x net':>6s} "
          f"{'x ref NLL speed':>16s} {'x first S':>9s} {'x first loss':>12s}   (preset {a.preset} {' '.join(a.set)}, {a.device})")
    for S in states:
        row0 = None
        extra = [] if S is None else [f'data.S={S}'] + ([f'rate.rate_const={1 / S}'] if _log_linear(a.preset, a.set) else [])
        for loss in a.losses:
            r = run_worker(__file__, [loss], ['--preset', a.preset] + sum((['--set', o] for o in a.set + extra), []) +
                           ['--repeats', a.repeats, '--threads', a.threads, '--device', a.device])
            if not r: continue
            first.setdefault(loss, r['step_s'])
            row0 = row0 or r['step_s']
            print(f"{loss:22s} {S or '':>4} {r['params_M']:6.2f}M {r['B']:3d} {1 / r['step_s']:8.2f} {r['step_s']:7.3f} "
                  f"{r['step_s'] / r['net_s']:6.2f} {REFERENCE_NLL_S / r['step_s']:16.1f} {r['step_s'] / first[loss]:9.2f} "
                  f"{r['step_s'] / row0:12.2f}",
                  flush=True)
            if 'two_pass_s' in r:
                print(f"{'':22s} self-conditioned: {r['one_pass_s']:.3f} s/step with one pass, {r['two_pass_s']:.3f} s "
                      f"with two (the coin's two sides); the row gives their mean", flush=True)

def _log_linear(preset, overrides) -> bool:
    "Whether the run's rate is the log-linear uniform one, whose rate_const means 1/S."
    from dvit_nbdev.config import apply_overrides, PRESETS
    R = apply_overrides(PRESETS[preset](), dict(o.split('=', 1) for o in overrides)).rate
    return R.name == 'uniform_variant' and R.t_func == 'log_linear'

if __name__ == '__main__': main()
