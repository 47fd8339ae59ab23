"""Cost of one sampler step at MNIST size in chains of 10, 100 and 1000 steps, against one forward pass of the denoiser.

    python bench/bench_sampling.py                  # S = 256, D = 784, n = 16 and 64, uvit_small (1.07M parameters)
    python bench/bench_sampling.py --rate uniform   # a rate with a closed form (no dense S x S product)
    python bench/bench_sampling.py --states 4 16 256 --ns 16 --chains 100 --times 0.5
                                                    # S = 4 / 16 / 256 side by side, the same network but its S-wide head

For each n and each sampler, in its own subprocess (for its peak memory): the denoiser's forward pass (no gradients),
and one step of each sampler (midpoint and trapezoidal: two denoiser calls per step; PC: a corrector step after every
predictor step) of size 1 / N for N in `--chains` (10, 100, 1000), taken at the times `--times` (1.0, 0.8, ..., 0.2:
across the chain) and averaged. A leap's work used to grow with the number of jumps it makes, so short chains (big
steps) cost more per step; the columns for 10-, 100- and 1000-step chains are measured in the same process, and
`max/min` is their ratio (it should stay within 1.5). `x forward` is the 1000-step cost over the forward pass. On a
machine shared with other work, `--clock cpu` times with the process's CPU time (with `--threads 1`) instead of the
wall clock.
"""
import argparse, json, time
from common import median_time, memory_probe, run_worker

SAMPLERS = ['forward', 'tau_leaping', 'euler', 'midpoint', 'trapezoidal', 'pc']

def cpu_median_time(fn, warmup=1, repeats=3, sync=None):
    "Median CPU time of this process for `fn()` in seconds (all its threads), after `warmup` untimed calls."
    for _ in range(warmup): fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time(); fn(); times.append(time.process_time() - t0)
    return sorted(times)[len(times) // 2]

def measure(kind, n, rate_name, device, chains, times, repeats, threads, clock, S=256):
    import torch
    from dvit_nbdev.core import get_device, seed_everything
    from dvit_nbdev.rates import GaussianTargetRate, UniformRate
    from dvit_nbdev.sampling import sample_chain
    from dvit_nbdev.uvit import uvit_small
    if threads: torch.set_num_threads(threads)
    device = get_device(device); seed_everything(0)
    reset, base, peak = memory_probe(device)
    timer = cpu_median_time if clock == 'cpu' else median_time
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == 'cuda' else (lambda: None)
    rate = GaussianTargetRate(S) if rate_name == 'gaussian_target' else UniformRate(S, 0.01)
    net = uvit_small(num_states=S).to(device).eval()
    reset(); b = base()
    if kind == 'forward':
        x, t = torch.randint(0, S, (n, 1, 28, 28), device=device), torch.full((n,), 0.5, device=device)
        def fwd():
            with torch.no_grad(): net(x, t)
        ms = {'forward': timer(fwd, 1, repeats, sync) * 1e3}
        return dict(kind=kind, n=n, ms=ms, peak_MB=peak(), delta_MB=peak() - b)
    method = dict(pc='tau_leaping').get(kind, kind)
    kw = dict(num_corrector_steps=1, corrector_entry_time=1.) if kind == 'pc' else {}
    def step(t, N):  # one step from t to t - 1/N, from states drawn from the rate's stationary distribution
        sample_chain(net, rate, (1, 28, 28), n, method=method, num_steps=1, max_t=t, min_t=t - 1 / N, final_step='none',
                     progress=False, device=device, **kw)
    ms = {N: sum(timer(lambda: step(t, N), 1, repeats, sync) for t in times) / len(times) * 1e3 for N in chains}
    return dict(kind=kind, n=n, ms=ms, peak_MB=peak(), delta_MB=peak() - b)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ns', nargs='+', type=int, default=[16, 64])
    ap.add_argument('--rate', default='gaussian_target', choices=['gaussian_target', 'uniform'])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--chains', nargs='+', type=int, default=[10, 100, 1000],
                    help='chain lengths N: steps of size 1 / N')
    ap.add_argument('--times', nargs='+', type=float, default=[1., .8, .6, .4, .2],
                    help='times at which a step is timed')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--clock', default='wall', choices=['wall', 'cpu'],
                    help="'cpu': CPU time of the process (CPU device only)")
    ap.add_argument('--states', nargs='+', type=int, default=[256], help='numbers of states S (default: 256)')
    ap.add_argument('--worker', nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.clock == 'cpu' and a.device != 'cpu': ap.error("--clock cpu times the CPU device only")
    if min(a.times) - 1 / min(a.chains) <= 0:
        ap.error('every step must end after t = 0: raise --times or the chain lengths')
    if a.worker:
        row = measure(a.worker[0], int(a.worker[1]), a.rate, a.device, a.chains, a.times, a.repeats, a.threads, a.clock,
                      int(a.worker[2]))
        print(json.dumps(row)); return
    cols = ''.join(f'{f"{N} steps":>11s}' for N in a.chains)
    print(f"{'S':>4s} {'n':>3s} {'ms per step':12s}{cols} {'max/min':>8s} {'x forward':>9s} {'peak MB':>8s}   (rate: "
          f"{a.rate}, D=784, uvit_small, steps at t = {a.times}, {a.clock} clock)")
    for S, n in [(S, n) for S in a.states for n in a.ns]:
        extra = ['--rate', a.rate, '--device', a.device, '--chains', *a.chains, '--times', *a.times,
                 '--repeats', a.repeats, '--threads', a.threads, '--clock', a.clock]
        rows = {k: run_worker(__file__, [k, n, S], extra) for k in SAMPLERS}
        fwd = rows['forward']['ms']['forward'] if rows['forward'] else float('nan')
        if rows['forward']:
            pad = ' ' * (11 * (len(a.chains) - 1) + 9)
            print(f"{S:4d} {n:3d} {'forward':12s}{fwd:11.1f}{pad} {1:9.2f} {rows['forward']['peak_MB']:8.0f}")
        for k, r in rows.items():
            if k == 'forward' or not r: continue
            ms = [r['ms'][str(N)] for N in a.chains]
            cells = ''.join(f'{v:11.1f}' for v in ms)
            print(f"{S:4d} {n:3d} {k:12s}{cells} {max(ms) / min(ms):8.2f} {ms[-1] / fwd:9.2f} {r['peak_MB']:8.0f}",
                  flush=True)

if __name__ == '__main__': main()
