import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import { requireWorkflowName } from './arguments';

/** Type-level only: the brand under which a reference carries its input and result types. */
declare const workflowTypes: unique symbol;

/**
 * A workflow's name with its input and result types, made by `defineWorkflow`. Pass it where a
 * name goes — `@Workflow(ref)`, `client.start(id, ref, input)`, `client.get(id, ref)`,
 * `client.wait(id, ref)`, `ctx.start(id, ref, input)` — and the compiler checks the input and
 * types the result. At run time it is a frozen `{ name }`: only the name is stored.
 */
export interface WorkflowRef<I = unknown, R = unknown> {
  /** The workflow's name, as stored with each of its runs. */
  readonly name: string;
  /**
   * Not present at run time: carries `I` and `R` for the compiler, and keeps other objects with
   * a `name` (a class, say) from passing for a reference.
   */
  readonly [workflowTypes]: { readonly input: I; readonly result: R };
}

/** The input type of a workflow reference. */
export type WorkflowInput<W extends WorkflowRef> =
  W extends WorkflowRef<infer I, unknown> ? I : never;

/** The result type of a workflow reference. */
export type WorkflowResult<W extends WorkflowRef> =
  W extends WorkflowRef<unknown, infer R> ? R : never;

/** What follows the reference in `start(id, ref, input)`: `input`, optional if it may be undefined. */
export type WorkflowStartArgs<I> = undefined extends I
  ? [input?: I]
  : [input: I];

/** Plain values Lidex stores as they are. */
type StoredAsIs = string | number | boolean | null | undefined | void | Date;

/**
 * Stands where a value cannot be stored: no value has this key, so the compiler's error names
 * it ("Property 'Lidex cannot store a function' is missing…").
 */
type NotStorable<Why extends string> = { readonly [K in Why]: never };

/**
 * `T` where every part of it is plain data Lidex can store and give back as it went in; where a
 * part is not (a function, symbol, BigInt, Map, Set, Promise, class instance with methods…),
 * that part becomes a `NotStorable` type saying so, which the compiler shows in its error.
 * `unknown` and `any` pass: the value is checked when it is stored.
 */
export type Storable<T> = unknown extends T
  ? T
  : T extends StoredAsIs
    ? T
    : T extends (...args: never[]) => unknown
      ? NotStorable<'Lidex cannot store a function'>
      : T extends symbol
        ? NotStorable<'Lidex cannot store a symbol'>
        : T extends bigint
          ? NotStorable<'Lidex cannot store a BigInt (use a string or number)'>
          : T extends ReadonlyMap<unknown, unknown>
            ? NotStorable<'Lidex cannot store a Map (use Object.fromEntries())'>
            : T extends ReadonlySet<unknown>
              ? NotStorable<'Lidex cannot store a Set (use Array.from())'>
              : T extends
                    | WeakMap<object, unknown>
                    | WeakSet<object>
                    | PromiseLike<unknown>
                    | RegExp
                    | Error
                    | ArrayBufferView
                    | ArrayBuffer
                ? NotStorable<'Lidex cannot store this object (store plain data)'>
                : { [K in keyof T]: Storable<T[K]> };

/**
 * `unknown` (so `string & StorableTypes` is `string`) when `I` and `R` are plain data; otherwise a
 * sentence the compiler shows as the type the name should have had.
 */
type StorableTypes<I, R> = [I] extends [Storable<I>]
  ? [R] extends [Storable<R>]
    ? unknown
    : 'defineWorkflow(): the result type is not plain data Lidex can store'
  : 'defineWorkflow(): the input type is not plain data Lidex can store';

/**
 * Defines a workflow reference: its name, the type of its input `I` and of its result `R`.
 *
 * ```ts
 * export const CollectPayment = defineWorkflow<string, CollectPaymentResult>('collect-payment');
 * ```
 *
 * `I` and `R` must be plain data (`Storable`). Without type arguments the workflow takes no
 * input and returns nothing. The reference can live apart from the workflow's code, so that an
 * API-only app can start the workflow without importing what it depends on.
 */
export function defineWorkflow<I = void, R = void>(
  name: string & StorableTypes<I, R>,
): WorkflowRef<I, R> {
  requireWorkflowName(name);
  // The type brand exists only for the compiler.
  return Object.freeze({ name }) as WorkflowRef<I, R>;
}

/**
 * The name a workflow argument stands for: the string itself, or a reference's name. `call`
 * names the method for the error a JavaScript caller gets when it passes something else.
 */
export function workflowNameOf(
  workflow: string | WorkflowRef,
  call: string,
): string {
  if (typeof workflow === 'string') return workflow;
  if (isWorkflowRef(workflow)) return workflow.name;
  throw new InvalidArgumentError(messages.invalidWorkflowRef(call, workflow));
}

/** Whether `value` is shaped as a reference (`{ name: string }`, not an array). */
export function isWorkflowRef(value: unknown): value is WorkflowRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}
