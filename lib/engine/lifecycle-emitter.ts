import { channel, type Channel } from 'node:diagnostics_channel';
import { messages } from '../lidex.messages';
import {
  LIDEX_CHANNELS,
  type LidexEvent,
  type LidexEventMap,
  type LidexEventType,
} from './lifecycle-events';
import type { LidexLogger } from './types';
import { describeError } from './workflow-error';

export type LidexEventListener = (event: LidexEvent) => void;

const channels = Object.fromEntries(
  Object.entries(LIDEX_CHANNELS).map(([type, name]) => [type, channel(name)]),
) as Record<LidexEventType, Channel>;

/**
 * The engine's one way to tell lifecycle events: to this engine's listeners and to the process's
 * diagnostics channels. With no one listening it builds nothing: `emit` takes a function that
 * makes the event and calls it only when someone will read it.
 */
export class LifecycleEmitter {
  private readonly listeners = new Set<LidexEventListener>();

  constructor(
    /** Whether events carry inputs, results and payloads. */
    readonly payloads: boolean,
    private readonly logger: LidexLogger,
  ) {}

  /** Calls `listener` with every event of this engine until the returned function is called. */
  subscribe(listener: LidexEventListener): () => void {
    // A set keeps one entry per function: wrap it so two subscriptions stay two.
    const entry: LidexEventListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Whether an event of `type` would be read by anyone now. */
  wanted(type: LidexEventType): boolean {
    return this.listeners.size > 0 || channels[type].hasSubscribers;
  }

  emit<T extends LidexEventType>(type: T, build: () => LidexEventMap[T]): void {
    if (!this.wanted(type)) return;
    // The built object becomes the event: its type is set on it, no copy made.
    const built: LidexEventMap[T] & { type?: T } = build();
    built.type = type;
    const event = built as unknown as LidexEvent;
    const published = channels[type];
    if (published.hasSubscribers) published.publish(event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A listener's mistake never stops a run.
        this.logger.warn(
          messages.eventListenerFailed(type, describeError(error)),
        );
      }
    }
  }
}
