import { BadRequestException } from '@nestjs/common';
import { requireSignalName } from '../engine/signal-records';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';

/** A signal the dashboard's "send signal" form asks for: its name and its payload, decoded. */
export interface DashboardSignal {
  name: string;
  payload: unknown;
}

/**
 * Reads the body of a "send signal" request: `{ name, payload? }`, where `payload` is the JSON
 * text typed into the form (absent or blank: `null`). Anything else is a 400 naming the fix;
 * names starting with `lidex:` (Lidex's own, such as a child's end) are refused.
 */
export function readSignalBody(body: unknown): DashboardSignal {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestException(messages.dashboardSignalBody());
  const { name, payload } = body as { name?: unknown; payload?: unknown };
  if (payload !== undefined && payload !== null && typeof payload !== 'string')
    throw new BadRequestException(messages.dashboardSignalBody());
  try {
    requireSignalName('A signal from the dashboard', name);
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      throw new BadRequestException(error.message);
    throw error;
  }
  return { name: name as string, payload: parsePayload(payload) };
}

function parsePayload(text: string | null | undefined): unknown {
  if (text === undefined || text === null || text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestException(
      messages.dashboardSignalPayloadNotJson(
        error instanceof Error ? error.message : String(error),
      ),
    );
  }
}
