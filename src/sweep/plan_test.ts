import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { planTasks } from './plan.js';
import { registerTaskKind } from './task-kind.js';
import './test-utils/synthetic-kinds.js';

registerTaskKind({ kind: 'plan-test-a', version: '1', run: async () => null });
registerTaskKind({ kind: 'plan-test-b', version: '2', run: async () => null });

describe('planTasks', () => {
  it('gives equal keys to equal work whatever the key order of params, and merges their ids', () => {
    const plan = planTasks([
      { id: 'x', kind: 'plan-test-a', params: { a: 1, b: [2, 3] } },
      { id: 'y', kind: 'plan-test-a', params: { b: [2, 3], a: 1 } },
    ]);
    expect(plan.tasks).toHaveLength(1);
    expect(plan.tasks[0].ids).toEqual(['x', 'y']);
    expect(plan.keyOfId.get('x')).toBe(plan.keyOfId.get('y'));
    expect(plan.tasks[0].key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the key with params, kind, salt and the inputs', () => {
    const key = (specs: Parameters<typeof planTasks>[0], salt?: string) =>
      planTasks(specs, { salt }).keyOfId.get('t');
    const base = key([{ id: 't', kind: 'plan-test-a', params: { a: 1 } }]);
    expect(key([{ id: 't', kind: 'plan-test-a', params: { a: 2 } }])).not.toBe(base);
    expect(key([{ id: 't', kind: 'plan-test-b', params: { a: 1 } }])).not.toBe(base);
    expect(key([{ id: 't', kind: 'plan-test-a', params: { a: 1 } }], 'v2')).not.toBe(base);
    const withInput = (p: number) =>
      key([
        { id: 'in', kind: 'plan-test-a', params: { p } },
        { id: 't', kind: 'plan-test-a', params: { a: 1 }, deps: ['in'] },
      ]);
    expect(withInput(1)).not.toBe(base);
    expect(withInput(1)).not.toBe(withInput(2));
    expect(withInput(1)).toBe(withInput(1));
  });

  it('orders tasks so that every input comes before the tasks reading it', () => {
    const plan = planTasks([
      { id: 'c', kind: 'plan-test-a', params: 3, deps: ['b', 'a'] },
      { id: 'b', kind: 'plan-test-a', params: 2, deps: ['a'] },
      { id: 'a', kind: 'plan-test-a', params: 1 },
    ]);
    const position = new Map(plan.tasks.map((t, i) => [t.ids[0], i]));
    expect(plan.tasks.map((t) => t.ids[0])).toEqual(['a', 'b', 'c']);
    for (const task of plan.tasks) {
      for (const dep of task.deps)
        expect(plan.tasks.findIndex((t) => t.key === dep)).toBeLessThan(position.get(task.ids[0])!);
    }
    expect(plan.byKey.get(plan.keyOfId.get('c')!)!.deps).toEqual([
      plan.keyOfId.get('b'),
      plan.keyOfId.get('a'),
    ]);
  });

  it('handles a 20 000-task chain without overflowing the stack', () => {
    const specs = Array.from({ length: 20_000 }, (_, i) => ({
      id: `t${i}`,
      kind: 'plan-test-a',
      params: i,
      deps: i > 0 ? [`t${i - 1}`] : [],
    })).reverse();
    expect(planTasks(specs).tasks[0].ids).toEqual(['t0']);
  });

  it('reports a cycle with its path', () => {
    expect(() =>
      planTasks([
        { id: 'a', kind: 'plan-test-a', params: 1, deps: ['b'] },
        { id: 'b', kind: 'plan-test-a', params: 2, deps: ['c'] },
        { id: 'c', kind: 'plan-test-a', params: 3, deps: ['a'] },
      ]),
    ).toThrow(
      new InputError(
        "plan: dependency cycle a → b → c → a (→ reads 'depends on'); remove one of these dependencies",
      ),
    );
  });

  it('reports a missing dependency, a duplicate id and an unknown kind', () => {
    expect(() => planTasks([{ id: 'a', kind: 'plan-test-a', params: 1, deps: ['nope'] }])).toThrow(
      new InputError("plan: task 'a' depends on 'nope', which is not in the plan"),
    );
    expect(() =>
      planTasks([
        { id: 'a', kind: 'plan-test-a', params: 1 },
        { id: 'a', kind: 'plan-test-a', params: 2 },
      ]),
    ).toThrow(new InputError("plan: task id 'a' is used twice; ids must be unique"));
    expect(() => planTasks([{ id: 'a', kind: 'no-such-kind', params: 1 }])).toThrow(
      /^plan: task 'a' has unknown kind 'no-such-kind'; registered kinds: .*plan-test-a, plan-test-b/,
    );
  });

  it('rejects params that are not plain JSON, naming the task and path', () => {
    expect(() =>
      planTasks([{ id: 'a', kind: 'plan-test-a', params: { x: Number.POSITIVE_INFINITY } }]),
    ).toThrow(
      new TypeError(
        "params of task 'a'.x must be a finite number to be stored as JSON, got Infinity",
      ),
    );
  });
});

describe('registerTaskKind', () => {
  it('refuses a second, different kind under a registered name, and bad names', () => {
    expect(() =>
      registerTaskKind({ kind: 'plan-test-a', version: '9', run: async () => 1 }),
    ).toThrow(
      "registerTaskKind: kind 'plan-test-a' is registered already (version 1); each kind name must be unique",
    );
    expect(() => registerTaskKind({ kind: 'Bad_Name', version: '1', run: async () => 1 })).toThrow(
      TypeError,
    );
  });
});
