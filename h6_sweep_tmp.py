import sys, time, torch
torch.set_num_threads(2)
from ganforge.evaluators.dataset import load_real_images, stratified_split
from ganforge.evaluators.preprocess import preprocess_each, preprocessing_spec
from ganforge.evaluators.architectures import SmallCNN
from ganforge.evaluators.supervised import SupervisedSettings, train_classifier
from ganforge.evaluators.network import EvaluatorNet, run_evaluator
src = sys.argv[1]
real = load_real_images(src, True)
ch = 1 if real.is_grayscale else 3
spec = preprocessing_spec(32, ch)
X = preprocess_each(real.images, spec)
tr, va = stratified_split(real.labels, 0.2, 0)
for widths, epochs, lr, wd, shift, bs, seed in [eval(a) for a in sys.argv[2:]]:
    tr, va = stratified_split(real.labels, 0.2, seed)
    torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
    net = SmallCNN(ch, widths, len(real.class_names))
    t = time.time()
    s = SupervisedSettings(epochs=epochs, lr=lr, weight_decay=wd, max_shift=shift, batch_size=bs)
    losses = train_classifier(net, lambda b: X[tr[b]], real.labels[tr], s, g, torch.device('cpu'))
    dt = time.time() - t
    ev = EvaluatorNet(net, spec)
    acc = (run_evaluator(ev, [real.images[i] for i in va.tolist()])['logits'].argmax(1) == real.labels[va]).float().mean().item()
    print(widths, epochs, lr, wd, shift, bs, seed, f"acc={acc:.4f} time={dt:.1f}s loss={losses[-1]:.4f}", flush=True)
