"""Wall-clock of drawing samples from a shipped pretrained model with its own sampler, dense rates against the band.

    python bench/bench_pretrained_sampling.py                      # mnist256: 256 samples, batches of 64, 2 threads
    python bench/bench_pretrained_sampling.py --threads 1 --n 64   # one thread, one batch
    python bench/bench_pretrained_sampling.py --modes band --steps 64   # 64 steps instead of the model's 100

Both runs use the model card's sampler settings (tau-leaping, 100 steps at S = 256) and the same seed; `dense` is
`banded=False` (the reverse rates as an (n D, S) x (S, S) product, logits and a softmax), `band` the default on a CPU
(rates on the band of 2K + 1 states around each state, the network's probabilities without logarithms; notebook 04).
The mean grey level of the samples is printed beside the times: the two draw from the same law (up to 1e-6 of rate
mass per row), not the same numbers.
"""
import argparse, json, time

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='mnist256')
    ap.add_argument('--n', type=int, default=256, help='number of samples')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--modes', nargs='+', default=['band', 'dense'], choices=['band', 'dense'])
    ap.add_argument('--steps', type=int, default=None, help="sampler steps instead of the model's own")
    ap.add_argument('--out', default=None, help='write the rows as JSON here')
    a = ap.parse_args()
    import torch
    from dvit_nbdev.config import apply_overrides
    from dvit_nbdev.core import atomic_write_text
    from dvit_nbdev.pretrained import load_pretrained
    from dvit_nbdev.generate import sample_images
    torch.set_num_threads(a.threads)
    net, rate, cfg = load_pretrained(a.model, 'cpu')  # with its card's sampler
    if a.steps is not None: cfg = apply_overrides(cfg, {'sampler.num_steps': a.steps})
    rows = {}
    for mode in a.modes:
        t0 = time.perf_counter()
        x = sample_images(net, rate, cfg, a.n, a.batch, generator=torch.Generator().manual_seed(0), progress=False,
                          banded=mode == 'band')
        sec = time.perf_counter() - t0
        rows[mode] = dict(model=a.model, mode=mode, n=a.n, batch=a.batch, threads=a.threads,
                          steps=cfg.sampler.num_steps, seconds=round(sec, 1),
                          mean_level=round(x.float().mean().item() / (cfg.data.S - 1), 4))
        print(f"{a.model} {mode:5s}: {a.n} samples in {sec:6.1f} s ({a.threads} threads, batches of {a.batch}, "
              f"{cfg.sampler.num_steps} steps); mean grey level {rows[mode]['mean_level']:.4f}", flush=True)
    if len(rows) == 2: print(f"dense / band: {rows['dense']['seconds'] / rows['band']['seconds']:.2f}x")
    if a.out: atomic_write_text(json.dumps(list(rows.values()), indent=1), a.out)

if __name__ == '__main__': main()
