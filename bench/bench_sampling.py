"""Cost of one sampler step at MNIST size, against one forward pass of the denoiser.

    python bench/bench_sampling.py                  # S = 256, D = 784, n = 16 and 64, uvit_small (1.07M parameters)
    python bench/bench_sampling.py --rate uniform   # a rate with a closed form (no dense S x S product)

For each n, in its own subprocess (for its peak memory): the denoiser's forward pass (no gradients), and a run of
`--steps` steps of each sampler divided by its number of steps (midpoint: two denoiser calls per step; PC: a
corrector step after every predictor step). The steps are those of a `--num_steps`-step chain (default 1000, the
reference's setting) around time `--t`: a leap's cost grows with the number of jumps it makes, so the step size
matters. Ratios are to the forward pass, measured in the same run.
"""
import argparse, json
from common import median_time, memory_probe, run_worker

SAMPLERS = ['forward', 'tau_leaping', 'euler', 'midpoint', 'pc']

def measure(kind, n, rate_name, device, steps, num_steps, t_mid, repeats, threads):
    import torch
    from dvit_nbdev.core import get_device, seed_everything
    from dvit_nbdev.rates import GaussianTargetRate, UniformRate
    from dvit_nbdev.sampling import sample_chain
    from dvit_nbdev.uvit import uvit_small
    if threads: torch.set_num_threads(threads)
    device = get_device(device); seed_everything(0)
    reset, base, peak = memory_probe(device)
    S = 256
    rate = GaussianTargetRate(S) if rate_name == 'gaussian_target' else UniformRate(S, 0.01)
    net = uvit_small(num_states=S).to(device).eval()
    x = torch.randint(0, S, (n, 1, 28, 28), device=device); t = torch.full((n,), 0.5, device=device)
    method = dict(pc='tau_leaping').get(kind, kind)
    span = steps / num_steps  # `steps` steps of size 1 / num_steps
    kw = dict(num_corrector_steps=1, corrector_entry_time=1.) if kind == 'pc' else {}
    def run():
        if kind == 'forward':
            with torch.no_grad(): net(x, t)
        else: sample_chain(net, rate, (1, 28, 28), n, method=method, num_steps=steps, max_t=t_mid + span / 2, min_t=t_mid - span / 2,
                          final_step='none', progress=False, device=device, **kw)
    reset(); b = base()
    dt = median_time(run, 1, repeats) / (1 if kind == 'forward' else steps)
    return dict(kind=kind, n=n, ms=dt * 1e3, peak_MB=peak(), delta_MB=peak() - b)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ns', nargs='+', type=int, default=[16, 64])
    ap.add_argument('--rate', default='gaussian_target', choices=['gaussian_target', 'uniform'])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--steps', type=int, default=10, help='sampler steps per timed run')
    ap.add_argument('--num_steps', type=int, default=1000, help='the step size is 1 / num_steps')
    ap.add_argument('--t', type=float, default=0.5, help='the timed steps are centred on this time')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--worker', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(measure(a.worker[0], int(a.worker[1]), a.rate, a.device, a.steps, a.num_steps, a.t, a.repeats, a.threads))); return
    print(f"{'n':>3s} {'step':12s} {'ms/step':>8s} {'x forward':>9s} {'peak MB':>8s} {'delta MB':>9s}   (rate: {a.rate}, S=256, D=784, uvit_small, "
          f"step 1/{a.num_steps} at t={a.t})")
    for n in a.ns:
        rows = {k: run_worker(__file__, [k, n], ['--rate', a.rate, '--device', a.device, '--steps', a.steps, '--num_steps', a.num_steps, '--t', a.t,
                                                 '--repeats', a.repeats, '--threads', a.threads]) for k in SAMPLERS}
        for k, r in rows.items():
            if r: print(f"{n:3d} {k:12s} {r['ms']:8.1f} {r['ms'] / rows['forward']['ms']:9.2f} {r['peak_MB']:8.0f} {r['delta_MB']:9.0f}", flush=True)

if __name__ == '__main__': main()
