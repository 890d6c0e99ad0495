/**
 * Regression (issue 15): YAML and DSL problems had no line, and the editor showed no marker. The code
 * editor marks each diagnostic on its line, with core's real positions.
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import CodeEditor from '../src/components/CodeEditor.vue';
import { issueDiagnostics, toCodeMirror, type EditorDiagnostic } from '../src/components/diagnostics';
import { checkText } from '../src/dag/core';

const MANIFEST = [
  'apiVersion: kontroler.greedykomodo/v1alpha1', // 1
  'kind: DAG', // 2
  'metadata:', // 3
  '  name: nightly', // 4
  'spec:', // 5
  '  task:', // 6
  '    - name: a', // 7
  '      image: alpine', // 8
  '      script: echo a', // 9
  '      colour: red', // 10
].join('\n');

/** A stand-in for CodeMirror's Text over plain lines. */
function text(lines: string[]) {
  const starts = lines.map((_, i) => lines.slice(0, i).reduce((n, l) => n + l.length + 1, 0));
  const all = lines.join('\n');
  return {
    lines: lines.length,
    line: (n: number) => ({ from: starts[n - 1]!, to: starts[n - 1]! + lines[n - 1]!.length }),
    sliceString: (from: number, to: number) => all.slice(from, to),
  };
}

describe('editor diagnostics', () => {
  it("turns core's located issues of YAML text into a diagnostic on the misspelled field's line", () => {
    const { errors, warnings } = checkText('yaml', MANIFEST, '');
    const diagnostics = issueDiagnostics(errors, warnings);
    expect(diagnostics).toEqual([
      { line: 10, column: 7, severity: 'error', message: expect.stringContaining('unknown field "colour"') },
    ]);
    const [range] = toCodeMirror(text(MANIFEST.split('\n')), diagnostics);
    expect(MANIFEST.slice(range!.from, range!.to)).toBe('colour');
  });

  it('places a DSL problem on the task at fault', () => {
    const dsl = 'task a { image "x" script "s" }\ntask b {\n  script "s"\n}\n';
    const { errors } = checkText('dsl', dsl, 'x');
    expect(issueDiagnostics(errors)).toEqual([
      expect.objectContaining({ line: 2, column: 6, message: expect.stringContaining('MISSING_IMAGE') }),
    ]);
  });

  it('clamps positions past the end of the text', () => {
    const [d] = toCodeMirror(text(['ab', 'cd']), [{ line: 9, column: 40, message: 'x', severity: 'error' }]);
    expect(d).toMatchObject({ from: 5, to: 5 });
  });

  it('shows a lint marker in the gutter of the diagnostic line and underlines the word', async () => {
    const diagnostics: EditorDiagnostic[] = [
      {
        line: 10,
        column: 7,
        message: 'UNKNOWN_FIELD: task "a" has unknown field "colour"',
        severity: 'error',
      },
    ];
    const w = mount(CodeEditor, {
      props: { modelValue: MANIFEST, language: 'yaml', label: 'YAML', diagnostics },
      attachTo: document.body,
    });
    await w.vm.$nextTick();
    const lines = [...w.element.querySelectorAll('.cm-line')];
    expect(lines).toHaveLength(10);
    const marked = w.element.querySelector('.cm-lintRange-error');
    expect(marked?.textContent).toBe('colour');
    expect(lines.indexOf(marked!.closest('.cm-line')!)).toBe(9);
    expect(w.element.querySelector('.cm-lint-marker-error')).not.toBeNull();

    await w.setProps({ diagnostics: [] });
    expect(w.element.querySelector('.cm-lintRange-error')).toBeNull();
    w.unmount();
  });
});
