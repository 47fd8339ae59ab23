"""Cost of the CT-ELBO and NLL losses at MNIST size, against the denoiser's own forward+backward.

    python bench/bench_loss.py                 # S = 256, D = 784, B = 16 and 64, uvit_small (1.07M parameters)
    python bench/bench_loss.py --threads 2 --rate uniform

For each batch size, three steps are timed (median of `--repeats`), each in its own subprocess for its peak memory:
`net`: the denoiser's forward and the backward of the mean of its logits (the network alone);
`ct_elbo`: `ct_elbo(...)` with one denoiser call, forward and backward; `nll`: `nll_loss(...)`, forward and backward.
`bmm` is one (B, D, S) x (B, S, S) product with its backward, the unavoidable core of the CT-ELBO's reverse rates.
Ratios are to `net`, measured in the same run.
"""
import argparse, json
from common import median_time, memory_probe, run_worker

def measure(kind, B, rate_name, device, warmup, repeats, threads):
    import torch
    from dvit_nbdev.core import get_device, seed_everything
    from dvit_nbdev.rates import GaussianTargetRate, UniformRate
    from dvit_nbdev.losses import ct_elbo, nll_loss
    from dvit_nbdev.uvit import uvit_small
    if threads: torch.set_num_threads(threads)
    device = get_device(device); seed_everything(0)
    reset, base, peak = memory_probe(device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    S = 256
    rate = GaussianTargetRate(S) if rate_name == 'gaussian_target' else UniformRate(S, 0.01)
    net = uvit_small(num_states=S).to(device)
    x0 = torch.randint(0, S, (B, 1, 28, 28), device=device)
    t = torch.rand(B, device=device) * 0.99 + 0.01
    w = torch.randn(B, 784, S, device=device, requires_grad=True); P = torch.rand(B, S, S, device=device)
    steps = dict(net=lambda: net(x0, t).float().mean().backward(),
                 ct_elbo=lambda: ct_elbo(net, rate, x0).backward(),
                 ct_elbo_2pass=lambda: ct_elbo(net, rate, x0, one_forward_pass=False).backward(),
                 nll=lambda: nll_loss(net, rate, x0).backward(),
                 bmm=lambda: torch.bmm(w, P).sum().backward())
    reset(); b = base()
    dt = median_time(steps[kind], warmup, repeats, sync)
    return dict(kind=kind, B=B, rate=rate_name, ms=dt * 1e3, peak_MB=peak(), delta_MB=peak() - b, threads=torch.get_num_threads())

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--batch-sizes', nargs='+', type=int, default=[16, 64])
    ap.add_argument('--rate', default='gaussian_target', choices=['gaussian_target', 'uniform'])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--threads', type=int, default=0, help='torch CPU threads (0: torch default)')
    ap.add_argument('--worker', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(measure(a.worker[0], int(a.worker[1]), a.rate, a.device, a.warmup, a.repeats, a.threads))); return
    print(f"{'B':>3s} {'step':14s} {'ms':>8s} {'x net':>6s} {'peak MB':>8s} {'delta MB':>9s}   (rate: {a.rate}, S=256, D=784, uvit_small)")
    for B in a.batch_sizes:
        rows = {k: run_worker(__file__, [k, B], ['--rate', a.rate, '--device', a.device, '--warmup', a.warmup,
                                                 '--repeats', a.repeats, '--threads', a.threads])
                for k in ['net', 'ct_elbo', 'ct_elbo_2pass', 'nll', 'bmm']}
        for k, r in rows.items():
            if r: print(f"{B:3d} {k:14s} {r['ms']:8.1f} {r['ms'] / rows['net']['ms']:6.2f} {r['peak_MB']:8.0f} {r['delta_MB']:9.0f}", flush=True)

if __name__ == '__main__': main()
