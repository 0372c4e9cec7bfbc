// The forms a handler's result can take, told apart (see the README's "What a
// handler returns"), and the error for a result that is none of them.

import type { HandlerResult, HttpResponse, StreamBody, StructuredResponse } from './types'

/** An async iterable or a web `ReadableStream`: a body produced piece by piece. */
export function isStreamBody(body: unknown): body is StreamBody {
  return typeof body === 'object' && body !== null && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/** `{ status, body }` with a streamed body. */
export function isStreamingResponse(result: HandlerResult): result is StructuredResponse & { body: StreamBody } {
  return typeof result === 'object' && result !== null && 'status' in result && isStreamBody((result as StructuredResponse).body)
}

/** `{ takeoverMode: 'reusable', writeResponse }`. */
export function isReusableTakeover(result: HandlerResult): result is HttpResponse {
  return typeof result === 'object' && result !== null && (result as HttpResponse).takeoverMode === 'reusable'
}

/** `{ takeoverMode: 'manual', onTakeover }`. */
export function isManualTakeover(result: HandlerResult): result is HttpResponse {
  return typeof result === 'object' && result !== null && (result as HttpResponse).takeoverMode === 'manual'
}

/** `{ filePath }`: a file answer. */
export function isFileResponse(result: HandlerResult): result is HttpResponse & { filePath: string } {
  return typeof result === 'object' && result !== null && typeof (result as HttpResponse).filePath === 'string'
}

/** Thrown for a handler result that is not one of the supported forms. */
export class BadHandlerResult extends TypeError {}
