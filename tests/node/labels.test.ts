import { describe, expect, it } from 'vitest';
import { IMAGENET_CLASSES, IMAGENET_LABELS, imagenetLabel } from '../../src/image/imagenet-labels';

describe('ImageNet-1k labels', () => {
  it('has 1000 unique, trimmed names', () => {
    expect(IMAGENET_LABELS).toHaveLength(1000);
    expect(IMAGENET_CLASSES).toBe(1000);
    expect(new Set(IMAGENET_LABELS).size).toBe(1000);
    for (const l of IMAGENET_LABELS) expect(l).toMatch(/^\S(.*\S)?$/);
    expect(IMAGENET_LABELS.some((l) => l.includes('_'))).toBe(false);
  });
  it('follows the standard class order', () => {
    const known: Record<number, string> = {
      0: 'tench', 1: 'goldfish', 2: 'great white shark', 7: 'cock', 99: 'goose', 134: 'crane (bird)',
      151: 'Chihuahua', 207: 'golden retriever', 208: 'Labrador retriever', 281: 'tabby cat', 282: 'tiger cat',
      283: 'Persian cat', 285: 'Egyptian cat', 291: 'lion', 340: 'zebra', 386: 'African elephant', 388: 'giant panda',
      409: 'analog clock', 417: 'balloon', 504: 'coffee mug', 517: 'crane (machine)', 530: 'digital clock',
      607: "jack-o'-lantern", 638: 'maillot', 639: 'tank suit', 717: 'pickup', 812: 'space shuttle', 817: 'sports car',
      849: 'teapot', 920: 'traffic light', 948: 'Granny Smith', 954: 'banana', 963: 'pizza', 967: 'espresso',
      985: 'daisy', 999: 'toilet tissue',
    };
    for (const [i, name] of Object.entries(known)) expect(IMAGENET_LABELS[Number(i)], `class ${i}`).toBe(name);
  });
  it('names classes outside the list by number', () => {
    expect(imagenetLabel(967)).toBe('espresso');
    expect(imagenetLabel(1000)).toBe('class 1000');
    expect(imagenetLabel(-1)).toBe('class -1');
  });
  it('is frozen', () => {
    expect(Object.isFrozen(IMAGENET_LABELS)).toBe(true);
  });
});
