"""Where a 256-grey-level MNIST model loses: its per-pixel predictive, its samples' grey levels, its loss by time.

    python bench/diagnose256.py mnist256                          # a pretrained model (the card's sampler)
    python bench/diagnose256.py runs/screen256/mol4_s0/checkpoint.pt --samples 256 --out bench/results/diag256_mol4.json

For a model (a name of `pretrained_names()` or a dvit_train checkpoint, its EMA weights) and the first `--images`
MNIST test digits, at each time of `--times`:
- the predictive p(x_0^d | x_t) of every pixel: at the pixels where the model is unsure whether the pixel is ink
  (P(x_0 >= 128) between 0.2 and 0.8), the share of its mass in the grey middle 32..223; the same at ink pixels
  (x_0 >= 128); beside each, the share of those pixels whose true x_0 is itself in the grey middle (a calibrated
  predictive matches it);
- the cross-entropy -log p(x_0^d | x_t) (nats per dimension) on a grid of times (the loss by time).
With `--samples N`: N samples with the model's sampler, their grey-level histogram against the test digits' (shares at
exactly 0 and 255 and in the middle), and the package's FID of the samples as they are and quantised to 4 levels
(each state to the nearest of 0, 85, 170, 255), both at S = 256 against the same reference.
Everything is written to one JSON file (atomically).
"""
import argparse, json, platform, time
from pathlib import Path
import torch
from dvit_nbdev.core import atomic_write_text
from dvit_nbdev.data import get_dataset
from dvit_nbdev.generate import load_checkpoint
from dvit_nbdev.pretrained import load_pretrained, pretrained_names
from dvit_nbdev.metrics import evaluate_samples, evaluate_model

MID = (32, 223)  # the grey middle, inclusive

@torch.no_grad()
def predictive(net, rate, x0, t):
    "p(x_0^d | x_t) (B, D, S) for one time t, x_t drawn from the forward process (seeded)."
    tt = torch.full((len(x0),), t)
    xt = rate.at(tt).sample_rows(x0.flatten(1), torch.Generator().manual_seed(0)).view(x0.shape)
    return net(xt, tt, probs=True).reshape(len(x0), -1, rate.S)

def mass_stats(p, x0):
    "Shares of predicted mass in the grey middle at unsure pixels and at ink pixels (floats)."
    x0 = x0.flatten(1)
    ink_p = p[..., 128:].sum(-1)  # P(x_0 >= 128), (B, D)
    mid = p[..., MID[0]:MID[1] + 1].sum(-1)
    unsure = (ink_p > 0.2) & (ink_p < 0.8)
    true_mid = ((x0 >= MID[0]) & (x0 <= MID[1])).float()  # where the truth itself is grey
    return dict(unsure_pixels=int(unsure.sum()), mid_mass_unsure=mid[unsure].mean().item() if unsure.any() else None,
                true_mid_unsure=true_mid[unsure].mean().item() if unsure.any() else None,
                mid_mass_ink=mid[x0 >= 128].mean().item(), true_mid_ink=true_mid[x0 >= 128].mean().item(),
                mid_mass_background=mid[x0 == 0].mean().item())

@torch.no_grad()
def loss_by_time(net, rate, x0, times):
    "Mean -log p(x_0^d | x_t) in nats per dimension at each time."
    out = []
    for t in times:
        p = predictive(net, rate, x0, t)
        out.append(-p.gather(-1, x0.flatten(1)[..., None].long()).clamp_min(1e-30).log().mean().item())
    return out

def grey_shares(x):
    "Shares of pixels at exactly 0, exactly 255 and in the grey middle."
    x = x.flatten()
    return dict(at_0=(x == 0).float().mean().item(), at_255=(x == 255).float().mean().item(),
                mid=((x >= MID[0]) & (x <= MID[1])).float().mean().item())

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument('model', help=f"a pretrained name ({', '.join(pretrained_names())}) or a checkpoint.pt")
    ap.add_argument('--images', type=int, default=64, help='MNIST test digits for the predictive (default: 64)')
    ap.add_argument('--times', type=float, nargs='+', default=[0.05, 0.2, 0.5], help='times of the predictive')
    ap.add_argument('--samples', type=int, default=0, help='samples for the histogram and the FIDs (default: 0, none)')
    ap.add_argument('--seed', type=int, default=0, help='seed of the samples')
    ap.add_argument('--threads', type=int, default=None, help='torch.set_num_threads')
    ap.add_argument('--out', default=None, help='JSON file (default: bench/results/diag256_<model>.json)')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    if a.model in pretrained_names(): net, rate, cfg = load_pretrained(a.model, 'cpu')
    else: net, rate, cfg = load_checkpoint(a.model, 'cpu')
    if cfg.data.S != 256: raise SystemExit(f"{a.model} has S = {cfg.data.S}; this diagnosis is for S = 256")
    net.eval()
    test = get_dataset('mnist', S=256, train=False, root=cfg.data.location)
    x0 = torch.stack([test[i][0] for i in range(a.images)])
    res = dict(model=a.model, args=vars(a), cpu=platform.processor() or platform.machine(), threads=torch.get_num_threads(),
               logistic_mixtures=cfg.model.logistic_mixtures, real=grey_shares(x0), predictive={})
    for t in a.times: res['predictive'][str(t)] = mass_stats(predictive(net, rate, x0, t), x0)
    res['loss_times'] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
    res['loss_by_time'] = loss_by_time(net, rate, x0, res['loss_times'])
    if a.samples:
        ev, x = evaluate_model(net, rate, cfg, a.samples, a.seed, batch_size=None, return_samples=True)
        q = ((x.float() / 85).round() * 85).long()  # the nearest of 0, 85, 170, 255
        res['samples'] = dict(n=a.samples, sampler=f"{cfg.sampler.name}, {cfg.sampler.num_steps} steps", grey=grey_shares(x),
                              fid=ev['fid'], fid_quantised4=evaluate_samples(q, 256, 'mnist', seed=a.seed)['fid'])
    res['seconds'] = time.perf_counter() - t0
    out = Path(a.out or f'bench/results/diag256_{Path(a.model).stem}.json')
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json.dumps(res, indent=1), out)
    print(json.dumps(res, indent=1))

if __name__ == '__main__': main()
