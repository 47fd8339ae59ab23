"""The sampler lab: FID against the number of network evaluations (NFE) for several samplers on a pretrained model.

    python bench/sampler_lab.py mnist256 --nfe 8 16 32 64 --seeds 0 1 2 --n 256 --out bench/results/lab_mnist256.json
    python bench/sampler_lab.py mnist16_gaussian --samplers tau_leaping:uniform tau_leaping:log euler:log

Each sampler is `name:grid`: a registered sampler (tau_leaping, euler, midpoint, trapezoidal, carry_over) and a time
grid ('uniform' steps, 'log': equal ratios of times, short steps near min_t, or 'jumps': equal expected jumps per
step from MNIST's training histogram, `jump_times`; notebook 04). A masked-diffusion model
(notebook 14) also takes `remdm:ETA` (ReMDM with sampler.remask_rate ETA, one call per step) and `first_hitting`
(exact reveal times: D calls, whatever --nfe says):

    python bench/sampler_lab.py mnist16_masked --samplers carry_over:uniform remdm:2 first_hitting --nfe 16 64 256

A sampler's step count is the NFE divided by the network calls per step (2 for midpoint and trapezoidal); the NFE
written counts the calls of a chain, the final argmax step included (one more; carry-over and ReMDM take none). For
every sampler, NFE and seed: `--n` samples from the model card's other sampler settings, then the package's FID
against MNIST's training set (notebook 11), with the floor of `--n` real test images. Rows are written after every
point (atomically) so a long run can be read while it goes; `--resume` skips the points already in `--out`. The table
printed at the end gives mean and standard deviation over the seeds.
"""
import argparse, json, math, time
from pathlib import Path

CALLS_PER_STEP = {'midpoint': 2, 'trapezoidal': 2}

def jump_grid(rate, cfg, steps):
    "The times of `jump_times` for MNIST's training histogram at the model's S (notebook 04)."
    import torch
    from dvit_nbdev.data import load_mnist, quantise
    from dvit_nbdev.sampling import jump_times
    g = load_mnist(train=True)[0]
    p0 = torch.bincount(quantise(g, cfg.data.S).flatten(), minlength=rate.S).double()
    return jump_times(rate, p0 / p0.sum(), steps, cfg.training.max_t, cfg.sampler.min_t)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('model', help='a name of pretrained_names()')
    ap.add_argument('--samplers', nargs='+', default=['tau_leaping:uniform', 'tau_leaping:log', 'euler:log',
                                                      'trapezoidal:log'])
    ap.add_argument('--nfe', nargs='+', type=int, default=[8, 16, 32, 64])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--n', type=int, default=256, help='samples per seed')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=None, help='JSON file of the rows')
    ap.add_argument('--resume', action='store_true', help='keep the rows already in --out and skip their points')
    a = ap.parse_args()
    import torch
    from dvit_nbdev.config import apply_overrides, SamplerConfig
    from dvit_nbdev.core import atomic_write_text, masks_to_black
    from dvit_nbdev.metrics import evaluate_samples
    from dvit_nbdev.pretrained import load_pretrained, model_card
    from dvit_nbdev.sampling import plot_sampler_lab, SAMPLERS
    from dvit_nbdev.train import sample_images
    torch.set_num_threads(a.threads)
    net, rate, cfg = load_pretrained(a.model, 'cpu')
    cfg = apply_overrides(cfg, model_card(a.model).get('sampler_overrides') or {})
    rows = json.loads(Path(a.out).read_text()) if a.resume and a.out and Path(a.out).exists() else []
    done = {(r['sampler'], r['nfe_asked'], r['seed']) for r in rows}
    for spec in a.samplers:
        name, _, grid = spec.partition(':')
        for nfe in (a.nfe if name != 'first_hitting' else [math.prod(cfg.data.shape)]):
            steps = max(nfe // CALLS_PER_STEP.get(name, 1), 1)
            eta = float(grid) if name == 'remdm' else SamplerConfig.remask_rate  # remdm:ETA
            want = dict(num_steps=steps, remask_rate=eta, time_grid=grid if grid in ('uniform', 'log') else 'uniform')
            c = apply_overrides(cfg, {'sampler.name': name} |  # only the settings this sampler reads (its registry entry)
                                {f'sampler.{k}': v for k, v in want.items() if k in SAMPLERS[name].reads})
            extra = dict(time_grid=jump_grid(rate, c, steps)) if grid == 'jumps' else {}
            final = c.sampler.final_step != 'none' and name not in ('carry_over', 'remdm', 'first_hitting')
            calls = steps * CALLS_PER_STEP.get(name, 1) + final  # network calls per image
            for seed in a.seeds:
                if (spec, nfe, seed) in done: continue
                t0 = time.perf_counter()
                x = sample_images(net, rate, c, a.n, a.batch, generator=torch.Generator().manual_seed(seed),
                                  progress=False, **extra)
                sec = time.perf_counter() - t0
                ev = evaluate_samples(masks_to_black(x, cfg.data.S), cfg.data.S, cfg.data.name, seed=seed)
                rows.append(dict(model=a.model, sampler=spec, nfe_asked=nfe, steps=steps, nfe=calls, seed=seed,
                                 n=a.n, fid=ev['fid'], fid_floor=ev['fid_floor'], seconds=sec, threads=a.threads))
                print(f"{spec:24s} NFE {calls:4d} seed {seed}: FID {ev['fid']:7.1f} (floor {ev['fid_floor']:.1f}), "
                      f"{sec:6.1f} s", flush=True)
                if a.out: atomic_write_text(json.dumps(rows, indent=1), a.out)
    print('\n'.join(plot_sampler_lab(rows)))

if __name__ == '__main__': main()
