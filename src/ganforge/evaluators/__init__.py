"""Domain evaluators: feature extractors trained on the user's own data (METRICS.md §5).

    meta = train_evaluator("builtin:digits", "evaluators/digits", seed=0)   # evaluators.train
    evaluator, meta = load_evaluator("evaluators/digits")                   # evaluators.files
    evaluator(images_uint8_rgb)  # {"features": [N,d], "logits": [N,K]}

Modules: `preprocess` (the one preprocessing), `architectures` (networks), `supervised`,
`selfsupervised` (SimCLR), `inception_finetune`, `floor` (real-vs-real FID), `files`
(safetensors + evaluator.json), `train` (choosing and running all of the above).
"""
