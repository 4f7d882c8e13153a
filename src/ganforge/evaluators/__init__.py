"""Domain evaluators: feature extractors trained on the user's own data (METRICS.md §5).

    meta = train_evaluator("builtin:digits", "evaluators/digits", seed=0)   # evaluators.train
    evaluator, meta = load_evaluator("evaluators/digits")   # metrics.features.domain.files
    evaluator(images_uint8_rgb)  # {"features": [N,d], "logits": [N,K]}

This package trains evaluators: `plan` (what to train), `supervised`, `selfsupervised`
(SimCLR), `inception_finetune`, `floor` (real-vs-real FID on held-out images), `train`
(choosing and running all of the above). What a trained evaluator needs at run time (its
files, preprocessing, networks) lives with the feature extractors in `metrics.features.domain`,
so that metrics never import this package.
"""
