import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
// The one file, not the package's index: the index loads the whole of semantic-conventions (hundreds of
// constants), which only the tracing SDK needs and which stays in every idle bot's memory otherwise.
import { W3CTraceContextPropagator } from '@opentelemetry/core/build/src/trace/W3CTraceContextPropagator.js';

export type { Tracer, Span };

/**
 * What caused a piece of work: the request (a webhook, a Slack request, a timer, the command line)
 * whose consequences are being carried out. It rides the async context from the edge into the
 * outbox rows the change queues, so a delivery's log lines name the webhook or command behind it.
 */
export interface Cause {
  source: string;
  event_id?: string;
  request_id?: string;
}

const CAUSE = createContextKey('incident-bot.cause');
/** Stored rows carry W3C `traceparent` text; this reads and writes it without the global propagator. */
const w3c = new W3CTraceContextPropagator();

/** Runs `fn` with `cause` as the current cause (inherited by everything it starts, sync or async). */
export function withCause<T>(cause: Cause, fn: () => T, base: Context = context.active()): T {
  return context.with(base.setValue(CAUSE, cause), fn);
}

export function currentCause(ctx: Context = context.active()): Cause | undefined {
  return ctx.getValue(CAUSE) as Cause | undefined;
}

/** The current span's W3C `traceparent`, or null when nothing is traced (tracing off, or not sampled in). */
export function currentTraceparent(ctx: Context = context.active()): string | null {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent ?? null;
}

/** A context whose parent span is the one a stored `traceparent` names (ROOT when none or malformed). */
export function contextFromTraceparent(traceparent: string | null, cause?: Cause | null): Context {
  const base = traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT;
  return cause ? base.setValue(CAUSE, cause) : base;
}

/** The log fields of the current context: trace and span ids when traced, and what caused the work. */
export function contextLogFields(): Record<string, unknown> {
  const ctx = context.active();
  const span = trace.getSpanContext(ctx);
  const cause = currentCause(ctx);
  const fields: Record<string, unknown> = {};
  if (span && trace.isSpanContextValid(span)) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  if (cause) fields.cause = cause;
  return fields;
}

/**
 * Runs `fn` in a new span (the current one's child) and ends it when `fn` returns or its promise
 * settles; an exception marks the span as an error and is rethrown. Works for sync and async `fn`.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => T,
  kind: SpanKind = SpanKind.INTERNAL,
): T {
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => {
    const fail = (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    };
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      fail(error);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => (span.end(), value),
        (error: unknown) => {
          fail(error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/** A tracer that records nothing: what every part gets when tracing is off. */
export const noTracer: Tracer = trace.getTracer('incident-bot-off');

export { SpanKind };

/** Adds attributes to the current span (nothing when none): what a handler learns once it has parsed its input. */
export function annotate(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** The current span's ids as exemplar labels (`trace_id`, `span_id`), or none when nothing is traced. */
export function traceExemplar(ctx: Context = context.active()): Record<string, string> {
  const span = trace.getSpanContext(ctx);
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
