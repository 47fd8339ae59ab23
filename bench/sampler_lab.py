"""The sampler lab: FID against the number of network evaluations (NFE) for several samplers on a pretrained model.

    python bench/sampler_lab.py mnist256 --nfe 8 16 32 64 --seeds 0 1 2 --n 256 --out bench/results/lab_mnist256.json
    python bench/sampler_lab.py mnist16_gaussian --samplers tau_leaping:uniform tau_leaping:log euler:log

Each sampler is `name:grid`: a registered sampler (tau_leaping, euler, midpoint, trapezoidal, carry_over) and a time
grid ('uniform' steps, 'log': equal ratios of times, short steps near min_t, or 'jumps': equal expected jumps per
step from MNIST's training histogram, `jump_times`; notebook 04). A masked-diffusion model
(notebook 14) also takes `remdm:ETA` (ReMDM with sampler.remask_rate ETA, one call per step) and `first_hitting`
(exact reveal times: D calls, whatever --nfe says):

    python bench/sampler_lab.py mnist16_masked --samplers carry_over:uniform remdm:2 first_hitting --nfe 16 64 256

A sampler may carry settings of the sampler section after its grid, `name:grid:key=value,key=value`:

    python bench/sampler_lab.py mnist256 --samplers tau_leaping:uniform \
        pc_tau_leaping:uniform:num_corrector_steps=1,corrector_entry_time=0.1 --nfe 128 256 --seeds 0

A sampler's step count is the NFE divided by its network calls per step, and the NFE written is its calls per image
with that step count, the final argmax step included: both from the sampler's registry entry (`SamplerSpec.calls`,
notebook 04). A sampler whose calls do not depend on the step count (first hitting) runs once. For
every sampler, NFE and seed: `--n` samples from the model card's other sampler settings, then the package's FID
against MNIST's training set (notebook 11), with the floor of `--n` real test images. Rows are written after every
point (atomically) so a long run can be read while it goes; `--resume` skips the points already in `--out`. The table
printed at the end gives mean and standard deviation over the seeds.
"""
import argparse, dataclasses, json
from pathlib import Path

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
    from dvit_nbdev.config import SamplerConfig, check_config, apply_overrides
    from dvit_nbdev.core import atomic_write_text
    from dvit_nbdev.metrics import evaluate_model
    from dvit_nbdev.pretrained import load_pretrained
    from dvit_nbdev.sampling import plot_sampler_lab, SAMPLERS
    torch.set_num_threads(a.threads)
    net, rate, cfg = load_pretrained(a.model, 'cpu')  # with its card's sampler
    rows = json.loads(Path(a.out).read_text()) if a.resume and a.out and Path(a.out).exists() else []
    done = {(r['sampler'], r['nfe_asked'], r['seed']) for r in rows}
    for spec in a.samplers:
        name, _, grid = spec.partition(':')
        grid, _, sets = grid.partition(':')  # name:grid:key=value,key=value (settings of the sampler section)
        pairs = dict(o.split('=', 1) for o in sets.split(',') if o)
        sets = {'sampler.name': name} | {f'sampler.{k}': v for k, v in pairs.items()}
        parsed = apply_overrides(cfg, sets) if pairs else cfg
        own = {k: getattr(parsed.sampler, k) for k in pairs}  # typed and checked as a config file's would be
        calls = lambda steps: SAMPLERS[name].calls(dataclasses.replace(cfg.sampler, name=name, num_steps=steps, **own),
                                                   cfg.training.max_t, tuple(cfg.data.shape))
        per_step = calls(2) - calls(1)  # the network calls of one step (0: the calls do not follow the steps)
        for nfe in (a.nfe if per_step else [calls(1)]):
            steps = max(nfe // per_step, 1) if per_step else 1
            eta = float(grid) if name == 'remdm' else SamplerConfig.remask_rate  # remdm:ETA
            want = dict(num_steps=steps, remask_rate=eta, time_grid=grid if grid in ('uniform', 'log') else 'uniform')
            # the card's sampler section, the two settings that change what a sampler does back at their defaults
            # (the card's remask_rate is ReMDM's alone), then this sampler and only the settings it reads
            sec = dataclasses.replace(cfg.sampler, name=name, time_grid=SamplerConfig.time_grid,
                                      remask_rate=SamplerConfig.remask_rate)
            c = dataclasses.replace(cfg, sampler=dataclasses.replace(
                sec, **{k: v for k, v in want.items() if k in SAMPLERS[name].reads} | own))
            check_config(c)
            extra = dict(time_grid=jump_grid(rate, c, steps)) if grid == 'jumps' else {}
            for seed in a.seeds:
                if (spec, nfe, seed) in done: continue
                ev = evaluate_model(net, rate, c, a.n, seed, batch_size=a.batch, sampler_kw=extra)
                rows.append(dict(model=a.model, sampler=spec, nfe_asked=nfe, steps=steps, nfe=ev['nfe'], seed=seed,
                                 n=a.n, fid=ev['fid'], fid_floor=ev['fid_floor'], seconds=ev['sample_seconds'],
                                 threads=a.threads))
                print(f"{spec:24s} NFE {ev['nfe']:4d} seed {seed}: FID {ev['fid']:7.1f} (floor {ev['fid_floor']:.1f}), "
                      f"{ev['sample_seconds']:6.1f} s", flush=True)
                if a.out: atomic_write_text(json.dumps(rows, indent=1), a.out)
    print('\n'.join(plot_sampler_lab(rows)))

if __name__ == '__main__': main()
