import { describe, expect, it } from 'vitest';
import { sideBySide } from '../src/components/lineDiff';

describe('side-by-side diff', () => {
  it('pairs changed lines and keeps unchanged ones aligned', () => {
    const rows = sideBySide('a\nb\nc\nd', 'a\nB\nc\nd\ne');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'changed', 'same', 'same', 'added']);
    expect(rows[1]).toMatchObject({ left: 'b', right: 'B', leftNo: 2, rightNo: 2 });
    expect(rows[4]).toMatchObject({ left: null, right: 'e', rightNo: 5 });
  });

  it('shows removals on the left only', () => {
    const rows = sideBySide('x\ny\nz', 'x\nz');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'removed', 'same']);
  });
});
