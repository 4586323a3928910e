/**
 * Server-Sent Events over an Express response: one `event:`/`data:` frame per stream event.
 */
import type { Response } from 'express';
import type { StreamEvent } from '../types.js';

export function openEventStream(res: Response): void {
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
}

export function sendEvent(res: Response, event: StreamEvent): void {
  if (res.writableEnded || res.destroyed) return;
  const { type, ...data } = event;
  res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}
