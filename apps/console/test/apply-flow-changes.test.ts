import { describe, expect, it } from 'vitest';
import type { EdgeChange, NodeChange } from '@vue-flow/core';
import { applyFlowChanges } from '../src/composables/applyFlowChanges';

describe('applyFlowChanges', () => {
  it('applies node and edge changes as Vue Flow would, and skips the empty lists a click reports', () => {
    const listeners: { nodes?: (c: NodeChange[]) => void; edges?: (c: EdgeChange[]) => void } = {};
    const applied: { nodes: NodeChange[][]; edges: EdgeChange[][] } = { nodes: [], edges: [] };
    applyFlowChanges({
      onNodesChange: (fn) => {
        listeners.nodes = fn;
        return { off: () => undefined };
      },
      onEdgesChange: (fn) => {
        listeners.edges = fn;
        return { off: () => undefined };
      },
      applyNodeChanges: (c) => {
        applied.nodes.push(c);
        return [];
      },
      applyEdgeChanges: (c) => {
        applied.edges.push(c);
        return [];
      },
    });
    const select: NodeChange = { id: 'a', type: 'select', selected: true };
    listeners.nodes!([select]);
    listeners.edges!([]);
    expect(applied.nodes).toEqual([[select]]);
    expect(applied.edges).toEqual([]);
    const remove: EdgeChange = {
      id: 'a->b',
      type: 'remove',
      source: 'a',
      target: 'b',
      sourceHandle: null,
      targetHandle: null,
    };
    listeners.edges!([remove]);
    expect(applied.edges).toEqual([[remove]]);
  });
});
