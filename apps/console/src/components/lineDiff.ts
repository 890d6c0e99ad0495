/** One row of a side-by-side diff: a line on the left, the right, or both. */
export interface DiffRow {
  kind: 'same' | 'removed' | 'added' | 'changed';
  left: string | null;
  right: string | null;
  leftNo: number | null;
  rightNo: number | null;
}

/**
 * A side-by-side line diff (longest common subsequence). Adjacent removed/added runs are paired
 * into `changed` rows so edits line up. Quadratic; callers cap the input size.
 */
export function sideBySide(a: string, b: string): DiffRow[] {
  const A = a.split('\n');
  const B = b.split('\n');
  const n = A.length;
  const m = B.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = A[i] === B[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const k = Math.max(removed.length, added.length);
    for (let x = 0; x < k; x++) {
      const l = removed[x];
      const r = added[x];
      rows.push({
        kind: l !== undefined && r !== undefined ? 'changed' : l !== undefined ? 'removed' : 'added',
        left: l !== undefined ? A[l]! : null,
        right: r !== undefined ? B[r]! : null,
        leftNo: l !== undefined ? l + 1 : null,
        rightNo: r !== undefined ? r + 1 : null,
      });
    }
    removed = [];
    added = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && A[i] === B[j]) {
      flush();
      rows.push({ kind: 'same', left: A[i]!, right: B[j]!, leftNo: i + 1, rightNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      added.push(j++);
    } else {
      removed.push(i++);
    }
  }
  flush();
  return rows;
}
