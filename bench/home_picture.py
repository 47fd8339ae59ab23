"""The picture of the home page, the README and notebook 13: the first 64 samples of a shipped model, seed 0, with the
sampler of its model card (no selection).

    python bench/home_picture.py                   # mnist256 -> nbs/images/mnist256_samples.png, 1 thread
    python bench/home_picture.py --model mnist4 --out nbs/images/mnist4_samples.png

"The first 64 samples of seed 0" means `sample_images(net, rate, cfg, 64, generator=torch.Generator().manual_seed(0))`
on the CPU, all 64 in one call, with one torch thread: notebook 13 draws the same 64 with the same call, and runs
(and is tested) with one thread; float sums in another thread count can differ in the last bit, which changes a draw
now and then and so the chains.
"""
import argparse

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument('--model', default='mnist256', help='a name of pretrained_names() (default: mnist256)')
    ap.add_argument('--out', default=None, help='the PNG to write (default: nbs/images/<model>_samples.png)')
    ap.add_argument('--threads', type=int, default=1, help='torch threads (default: 1, as notebook 13 runs)')
    a = ap.parse_args()
    import torch
    from dvit_nbdev.core import masks_to_black, save_images
    from dvit_nbdev.generate import sample_images
    from dvit_nbdev.pretrained import load_pretrained
    torch.set_num_threads(a.threads)
    net, rate, cfg = load_pretrained(a.model, 'cpu')  # with its card's sampler
    x = sample_images(net, rate, cfg, 64, generator=torch.Generator().manual_seed(0), progress=False)
    out = save_images(masks_to_black(x, cfg.data.S), cfg.data.S, a.out or f'nbs/images/{a.model}_samples.png', nrow=8)
    print(f"wrote {out}: the first 64 samples of {a.model} (seed 0; {cfg.sampler.name}, {cfg.sampler.num_steps} steps)")

if __name__ == '__main__': main()
