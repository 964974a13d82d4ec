import { filter, Observable, share } from 'rxjs';
import type { LifecycleEmitter } from './engine/lifecycle-emitter';
import type { LidexEvent, LidexEventType } from './engine/lifecycle-events';

/** Which events `LidexClient.events()` lets through; every field given must match. */
export interface LidexEventFilter {
  /** One type or several. */
  type?: LidexEventType | readonly LidexEventType[];
  workflowId?: string;
  /** Events without a name (`signalled`, `cancelled`) do not pass a name filter. */
  workflowName?: string;
}

/**
 * The engine's events as one hot Observable: it subscribes to the engine while someone
 * subscribes to it and lets go when the last one leaves, so with no subscriber the engine builds
 * no event.
 */
export function lifecycleEvents$(
  emitter: LifecycleEmitter,
): Observable<LidexEvent> {
  return new Observable<LidexEvent>((subscriber) =>
    emitter.subscribe((event) => subscriber.next(event)),
  ).pipe(share());
}

/** The events of `events$` that pass `wanted`. */
export function filterEvents(
  events$: Observable<LidexEvent>,
  wanted: LidexEventFilter,
): Observable<LidexEvent> {
  const types =
    wanted.type === undefined
      ? undefined
      : new Set<string>(
          typeof wanted.type === 'string' ? [wanted.type] : wanted.type,
        );
  return events$.pipe(
    filter(
      (event) =>
        (types === undefined || types.has(event.type)) &&
        (wanted.workflowId === undefined ||
          event.workflowId === wanted.workflowId) &&
        (wanted.workflowName === undefined ||
          ('workflowName' in event &&
            event.workflowName === wanted.workflowName)),
    ),
  );
}
