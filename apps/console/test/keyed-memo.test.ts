import { describe, expect, it } from 'vitest';
import { computed, ref, watch, nextTick } from 'vue';
import { keyedMemo } from '../src/editor/keyedMemo';

interface Task {
  id: string;
  spec: { name: string };
}

describe('keyedMemo (the editor canvas hands Vue Flow the nodes it already has)', () => {
  it('keeps the object of every item whose inputs are the same, and builds the changed ones anew', () => {
    let built = 0;
    const memo = keyedMemo(
      (t: Task) => t.id,
      (t) => [t.spec],
      (t) => ({ id: t.id, data: t.spec, n: ++built }),
    );
    const a = { id: 'a', spec: { name: 'a' } };
    const b = { id: 'b', spec: { name: 'b' } };
    const first = memo.map([a, b]);
    expect(built).toBe(2);
    // The same inputs: the very same array back.
    expect(memo.map([a, b])).toBe(first);
    const b2 = { id: 'b', spec: { name: 'b2' } };
    const second = memo.map([a, b2]);
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]!.data.name).toBe('b2');
    expect(built).toBe(3);
    // Removed keys are forgotten: an item coming back is built again.
    memo.map([a]);
    memo.map([a, b2]);
    expect(built).toBe(4);
  });

  it('regression: the validation problems and the plan preview changing no longer rebuild 1,000 nodes', async () => {
    const tasks = ref<Task[]>(
      Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, spec: { name: `t-${i}` } })),
    );
    /** Read only where a node is drawn, as the editor's slot does: not an input of the node objects. */
    const plan = ref(new Map<string, boolean>());
    let built = 0;
    const memo = keyedMemo(
      (t: Task) => t.id,
      (t) => [t.spec],
      (t) => ({ id: t.id, data: { spec: t.spec }, n: ++built }),
    );
    const nodes = computed(() => memo.map(tasks.value));
    let handedOver = 0;
    watch(nodes, () => handedOver++, { immediate: true });
    expect(built).toBe(1000);
    plan.value = new Map([['t-1', true]]);
    // An edit of one task that Vue's deep reactivity reports on the whole list: one node built again.
    tasks.value[3]!.spec = { name: 't-3-renamed' };
    await nextTick();
    expect(built).toBe(1001);
    expect(handedOver).toBe(2);
    // A change that leaves every task as it was (a new array of the same tasks) hands nothing over.
    tasks.value = [...tasks.value];
    await nextTick();
    expect(handedOver).toBe(2);
  });
});
