"""FID of one checkpoint's samples with each sampler at a few step counts (the network is trained once).

    python bench/sampler_fid.py runs/mnist_cpu/checkpoint.pt                 # 512 samples per row, 1 thread
    python bench/sampler_fid.py runs/mnist_cpu/checkpoint.pt --n 256 --raw   # the raw weights instead of the EMA

Each row overrides the checkpoint's sampler settings, draws `--n` samples (seed 0) and scores them with the package's
FID next to its floor (`dvit_nbdev.metrics.evaluate_model`); NFE is the number of network calls per image, from the
sampler's registry entry.
"""
import argparse
import torch
from dvit_nbdev.generate import load_checkpoint
from dvit_nbdev.config import apply_overrides
from dvit_nbdev.metrics import evaluate_model

ROWS = [{}, {'sampler.num_steps': '200'}, {'sampler.num_steps': '50'},
        {'sampler.name': 'tau_leaping', 'sampler.num_corrector_steps': '0'},
        {'sampler.name': 'pc_tau_leaping', 'sampler.num_corrector_steps': '1'},
        {'sampler.name': 'midpoint', 'sampler.num_steps': '50', 'sampler.num_corrector_steps': '0'},
        {'sampler.name': 'euler', 'sampler.num_corrector_steps': '0'}]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('checkpoint', help='a checkpoint written by dvit_train / Trainer.save')
    ap.add_argument('--n', type=int, default=512, help='samples per row (default: 512)')
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default: 1)')
    ap.add_argument('--raw', action='store_true', help='sample the raw weights instead of the EMA')
    ap.add_argument('--device', default='cpu', help="'cpu' (default), 'cuda' or 'auto'")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net, rate, cfg = load_checkpoint(a.checkpoint, device=a.device, ema=not a.raw)
    print(f"{'overrides of the checkpoint sampler':70s} {'NFE':>4s} {'FID':>6s} {'floor':>5s} {'seconds':>7s}")
    for kw in ROWS:
        m = evaluate_model(net, rate, apply_overrides(cfg, kw), a.n, seed=0)
        print(f"{str(kw):70s} {str(m['nfe']):>4s} {m['fid']:6.1f} {m['fid_floor']:5.1f} {m['sample_seconds']:7.0f}",
              flush=True)

if __name__ == '__main__': main()
