// Every answer form the README lists, read by the one parser.
import { describe, expect, it } from 'vitest';
import { parseAnswer } from './parse.js';
import type { Shape } from './parse.js';

const boxes = (t: string): Array<[number[], string | undefined]> =>
  parseAnswer(t).shapes.filter((s): s is Extract<Shape, { kind: 'box' }> => s.kind === 'box').map((s) => [s.coords, s.label]);
const kinds = (t: string): string[] => parseAnswer(t).shapes.map((s) => s.kind);

describe('parseAnswer: boxes', () => {
  it.each([
    ['[10, 20, 110, 220]', [10, 20, 110, 220]],
    ['[10.5,20.25,110,220.75]', [10.5, 20.25, 110, 220.75]],
    ['The cup is at [-3, 4e1, 1.5e2, 200].', [-3, 40, 150, 200]],
    ['(10,20),(110,220)', [10, 20, 110, 220]],
    ['<box>(10,20),(110,220)</box>', [10, 20, 110, 220]],
    ['<|box_start|>(10,20),(110,220)<|box_end|>', [10, 20, 110, 220]],
    ['<box>[[10, 20, 110, 220]]</box>', [10, 20, 110, 220]],
    ['{"bbox_2d": [10, 20, 110, 220]}', [10, 20, 110, 220]],
    ["{'bbox_2d': [10, 20, 110, 220], 'label': 'cup'}", [10, 20, 110, 220]],
    ['{bbox: [10 20 110 220]}', [10, 20, 110, 220]],
    ['{"x1": 10, "y1": 20, "x2": 110, "y2": 220}', [10, 20, 110, 220]],
    ['{"xmin": 10, "ymin": 20, "xmax": 110, "ymax": 220}', [10, 20, 110, 220]],
    ['{"x": 10, "y": 20, "width": 100, "height": 200}', [10, 20, 110, 220]],
    ['```json\n[{"bbox_2d": [10, 20, 110, 220], "label": "cup"}]\n```', [10, 20, 110, 220]],
    ['[[10, 20], [110, 220]]', [10, 20, 110, 220]],
    ['10 20 110 220', [10, 20, 110, 220]],
    ["(the cup's handle) is at [10, 20, 110, 220]", [10, 20, 110, 220]],
    ["[the cup's box is [10, 20, 110, 220]]", [10, 20, 110, 220]],
  ])('%s', (text, expected) => {
    expect(boxes(text)[0]?.[0]).toEqual(expected);
  });

  it('reads Qwen2.5-VL lists with labels, single quotes and a truncated last element', () => {
    const t = "```json\n[\n  {'bbox_2d': [1, 2, 3, 4], 'label': 'cat'},\n  {'bbox_2d': [5, 6, 7, 8], 'label': 'dog'},\n  {'bbox_2d': [9, 10, 1";
    expect(boxes(t)).toEqual([[[1, 2, 3, 4], 'cat'], [[5, 6, 7, 8], 'dog']]);
    expect(boxes('[{"bbox_2d": [1, 2, 3, 4], "label": "cat"}, {"bbox_2d": [5, 6, 7, 8], "label": "do')).toEqual([[[1, 2, 3, 4], 'cat']]);
  });
  it('reads InternVL / Qwen-VL reference tags as labels and several boxes', () => {
    expect(boxes('<ref>cat</ref><box>[[1, 2, 3, 4], [5, 6, 7, 8]]</box> and <ref>dog</ref><box>[[9, 9, 20, 20]]</box>')).toEqual([
      [[1, 2, 3, 4], 'cat'],
      [[5, 6, 7, 8], 'cat'],
      [[9, 9, 20, 20], 'dog'],
    ]);
    expect(boxes('<|object_ref_start|>cup<|object_ref_end|><|box_start|>(1,2),(3,4)<|box_end|><|box_start|>(5,6),(7,8)<|box_end|>')).toEqual([
      [[1, 2, 3, 4], 'cup'],
      [[5, 6, 7, 8], 'cup'],
    ]);
  });
  it('reads {"objects": [...]} wrappers and reports string coordinates', () => {
    expect(boxes('{"objects": [{"box": [1, 2, 3, 4], "category": "a"}]}')).toEqual([[[1, 2, 3, 4], 'a']]);
    const r = parseAnswer('["10", "20", "30", "40"]');
    expect(r.shapes).toEqual([]);
    expect(r.notes.join()).toContain('must be numbers');
    expect(parseAnswer('{"bbox_2d": [1, 2, 3]}').notes.join()).toContain('not 4 numbers');
  });
  it('keeps NaN and infinities so the verifier can refuse them', () => {
    expect(boxes('[NaN, 1, 2, 3]')[0]?.[0][0]).toBeNaN();
    expect(boxes('[0, 0, Infinity, 3]')[0]?.[0][2]).toBe(Infinity);
  });
});

describe('parseAnswer: points and polygons', () => {
  it.each([
    ['(50, 60)', [50, 60]],
    ['click [50.5, 60]', [50.5, 60]],
    ['{"point_2d": [50, 60], "label": "button"}', [50, 60]],
    ["{'point': [50, 60]}", [50, 60]],
    ['{"x": 50, "y": 60}', [50, 60]],
  ])('%s', (text, expected) => {
    const s = parseAnswer(text).shapes[0];
    expect(s?.kind).toBe('point');
    expect(s?.kind === 'point' ? s.coords : undefined).toEqual(expected);
  });
  it('reads GUI-agent action strings', () => {
    const pt = (t: string): unknown => parseAnswer(t).shapes.find((s) => s.kind === 'point')?.coords;
    expect(pt("click(start_box='<|box_start|>(100,200)<|box_end|>')")).toEqual([100, 200]);
    expect(pt('pyautogui.click(x=0.5, y=0.25)')).toEqual([0.5, 0.25]);
    expect(pt('click(x=100, y=200)')).toEqual([100, 200]);
  });
  it('reads flat, list-of-lists, pair and loose-pair polygons', () => {
    const poly = (t: string): number[][] | undefined => {
      const s = parseAnswer(t).shapes[0];
      return s?.kind === 'polygon' ? s.polys : undefined;
    };
    expect(poly('[0, 0, 2, 0, 2, 2, 0, 2]')).toEqual([[0, 0, 2, 0, 2, 2, 0, 2]]);
    expect(poly('[[0, 0, 2, 0, 2, 2], [5, 5, 6, 5, 6, 6]]')).toEqual([[0, 0, 2, 0, 2, 2], [5, 5, 6, 5, 6, 6]]);
    expect(poly('[[0, 0], [2, 0], [2, 2]]')).toEqual([[0, 0, 2, 0, 2, 2]]);
    expect(poly('(0,0), (2,0), (2,2), (0,2)')).toEqual([[0, 0, 2, 0, 2, 2, 0, 2]]);
    expect(poly('{"polygon": [[0, 0], [2, 0]]}')).toEqual([[0, 0, 2, 0]]);
    expect(poly('{"segmentation": [[0, 0, 2, 0, 2, 2]]}')).toEqual([[0, 0, 2, 0, 2, 2]]);
  });
  it('reads COCO RLE objects', () => {
    expect(kinds('{"size": [4, 4], "counts": "02208"}')).toEqual(['rle']);
    expect(kinds("{'size': [4, 4], 'counts': [0, 2, 2, 2, 10]}")).toEqual(['rle']);
  });
  it('finds nothing in text without geometry, in linear time on adversarial brackets', () => {
    expect(parseAnswer('no idea').shapes).toEqual([]);
    expect(parseAnswer('I think 3 cats').shapes).toEqual([]);
    const evil = '[('.repeat(50_000) + "'x";
    const t0 = Date.now();
    parseAnswer(evil);
    expect(Date.now() - t0).toBeLessThan(20_000); // bounded (not a speed check: quadratic would take minutes)
  });
  it('reads a long blank gap between two points in linear time (a quadratic gap test took minutes at this size)', () => {
    // Not one loose-pair run: the gap is not a separator, so these are two points.
    expect(kinds(`(1,2)${' '.repeat(1_000_000)}x(3,4)`)).toEqual(['point', 'point']);
  });
  it('reads many unclosed <ref> tags in linear time (searching for each close from scratch took minutes here)', () => {
    expect(boxes(`${'<ref>'.repeat(200_000)}[1, 2, 3, 4]`)).toEqual([[[1, 2, 3, 4], undefined]]);
  });
});
