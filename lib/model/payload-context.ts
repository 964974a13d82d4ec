/**
 * Where a stored value belongs, handed to a payload codec's `encode` and `decode`: the AES-GCM
 * codec authenticates it (GCM's additional authenticated data), so that a value copied in the
 * store from one workflow, step or field into another does not decrypt there. A codec of your
 * own may ignore it.
 */
export type PayloadContext =
  | {
      /** The workflow the value belongs to. */
      workflowId: string;
      /** Its input, or its result. */
      field: 'input' | 'result';
    }
  | {
      workflowId: string;
      /** A `ctx.step()` result, or a `ctx.now()`/`random()`/`uuid()` value. */
      field: 'step' | 'value';
      /** The step's id (`charge`), or the value's (`now#1`). */
      name: string;
    }
  | {
      /** The workflow the signal was sent to (a child's end: its parent). */
      workflowId: string;
      field: 'signal';
      /** The signal's name (a child's end: `lidex:child:<child id>`). */
      name: string;
    }
  | {
      /** The schedule whose input it is (each tick's workflow gets the input encoded anew). */
      scheduleId: string;
      field: 'schedule-input';
    };

/** The additional authenticated data for `context`: one text, unambiguous for any ids. */
export function contextBytes(context: PayloadContext): Buffer {
  const parts =
    'scheduleId' in context
      ? ['schedule', context.scheduleId, context.field]
      : [
          'workflow',
          context.workflowId,
          context.field,
          'name' in context ? context.name : '',
        ];
  return Buffer.from(JSON.stringify(['lidex', 2, ...parts]), 'utf8');
}

/** `the input of workflow "a"`, `step "charge" of workflow "a"`: where a value belongs. */
export function describePlace(context: PayloadContext): string {
  const show = JSON.stringify;
  if ('scheduleId' in context)
    return `the input of schedule ${show(context.scheduleId)}`;
  const workflow = `workflow ${show(context.workflowId)}`;
  switch (context.field) {
    case 'input':
    case 'result':
      return `the ${context.field} of ${workflow}`;
    case 'step':
      return `the result of step ${show(context.name)} of ${workflow}`;
    case 'value':
      return `the value ${show(context.name)} of ${workflow}`;
    case 'signal':
      return `the payload of signal ${show(context.name)} to ${workflow}`;
  }
}
