# Benchmark driver for the reference implementations (pycocotools, PubTabNet's TEDS, Math-Verify): one JSON request per stdin
# line, one JSON answer per stdout line. Started by bench/lib/refs.ts with the references on PYTHONPATH; times the
# reference's own calls in CPU time (time.process_time_ns), as the TypeScript side times ours.
import json
import sys
import time


def per_call_us(fn, ms, min_samples=3):
    """Median CPU µs per call after one warm-up call: samples of k calls, k doubled until a sample takes >= 10 ms,
    for `ms` of CPU and at least `min_samples` samples."""
    t = time.process_time_ns()
    fn()
    k = 1
    if time.process_time_ns() - t < 10_000_000:
        while True:
            t = time.process_time_ns()
            for _ in range(k):
                fn()
            if time.process_time_ns() - t >= 10_000_000 or k >= 1 << 20:
                break
            k *= 2
    samples = []
    t0 = time.process_time_ns()
    while len(samples) < min_samples or (time.process_time_ns() - t0 < ms * 1e6 and len(samples) < 200):
        t = time.process_time_ns()
        for _ in range(k):
            fn()
        samples.append((time.process_time_ns() - t) / k / 1000)
    samples.sort()
    return samples[len(samples) // 2]


def coco_ops():
    import numpy as np
    from pycocotools import mask as M

    def iou(req):
        dt, gt = req['dt'], req['gt']
        crowd = [0] * len(gt)
        out = M.iou(dt, gt, crowd)
        us = per_call_us(lambda: M.iou(dt, gt, crowd), req['ms'])
        return {'us': us / (len(dt) * len(gt)), 'iou': [[float(v) for v in row] for row in out]}

    def encode(req):
        h, w = req['h'], req['w']
        bm = np.fromfile(req['path'], dtype=np.uint8).reshape((h, w, 1), order='F')
        bm = np.asfortranarray(bm)
        out = M.encode(bm)[0]['counts'].decode('ascii')
        return {'us': per_call_us(lambda: M.encode(bm), req['ms']), 'counts': out}

    def polygon(req):
        polys, h, w = req['polys'], req['h'], req['w']
        fr = lambda: M.merge(M.frPyObjects(polys, h, w))
        out = fr()['counts'].decode('ascii')
        return {'us': per_call_us(fr, req['ms']), 'counts': out}

    return {'iou': iou, 'encode': encode, 'polygon': polygon}


def teds_ops():
    from apted import APTED
    from metric import TEDS, CustomConfig
    from lxml import html

    def evaluate(req):
        t = TEDS(structure_only=req['structure_only'])
        pred, true = req['pred'], req['true']
        value = t.evaluate(pred, true)
        return {'us': per_call_us(lambda: t.evaluate(pred, true), req['ms'], req.get('samples', 3)), 'value': value}

    def distance(req):
        # APTED alone on trees built once (the reference's evaluate() without parsing and tree building).
        t = TEDS(structure_only=req['structure_only'])
        parser = html.HTMLParser(remove_comments=True, encoding='utf-8')
        trees = [t.load_html_tree(html.fromstring(s, parser=parser).xpath('body/table')[0]) for s in (req['pred'], req['true'])]
        ted = lambda: APTED(trees[0], trees[1], CustomConfig()).compute_edit_distance()
        distance = float(ted())
        return {'us': per_call_us(ted, req['ms'], req.get('samples', 3)), 'distance': distance}

    return {'evaluate': evaluate, 'distance': distance}


def math_verify_ops():
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    configs = {
        'both': [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()],
        'latex': [LatexExtractionConfig(boxed_match_priority=0)],
        'expr': [ExprExtractionConfig()],
    }

    def one(item):
        cfg = configs[item.get('targets', 'both')]
        gold = parse(item['gold'], cfg)
        pred = parse(item['pred'], cfg)
        return verify(gold, pred, float_rounding=item.get('precision', 6), strict=item.get('strict', True),
                      allow_set_relation_comp=item.get('set_relation', False))

    def run(req):
        # Wall time of parse(gold) + parse(pred) + verify per item, in order, after `warmup` untimed items.
        items = req['items']
        for item in items[: req.get('warmup', 0)]:
            one(item)
        us, verdicts = [], []
        for item in items:
            t = time.perf_counter_ns()
            verdicts.append(bool(one(item)))
            us.append((time.perf_counter_ns() - t) / 1000)
        return {'us': us, 'verdicts': verdicts}

    return {'run': run}


def main():
    kind = sys.argv[1]
    ops = {'pycocotools': coco_ops, 'teds': teds_ops, 'math-verify': math_verify_ops}[kind]()
    print(json.dumps({'ready': kind}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = ops[req['op']](req)
        except Exception as e:  # reported to the benchmark, which stops
            res = {'error': f'{type(e).__name__}: {e}'}
        print(json.dumps(res), flush=True)


if __name__ == '__main__':
    main()
