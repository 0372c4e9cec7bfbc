// fasthttp: the public entry point. The engine (Rust, `crates/`) frames
// requests on its own I/O threads and hands them over in batches; the
// modules under `src/` build `HttpRequest` views over each batch, call the
// handler, and send every answer of one tick back in ONE native call (the
// README's "Design notes" map which file owns what).

export type { ResolvedServerConfig, ServerConfig } from './src/config'
export { HttpRequest } from './src/request'
export { RequestBodyError } from './src/request-body'
export { newServer, Server, type ServerHandle, type ShutdownOptions, type WaitOptions, type WarmUpOptions, type WarmUpResult } from './src/server'
export type {
  Handler,
  HandlerResult,
  HttpResponse,
  ResponseHeaders,
  ReusableConnection,
  Slice,
  StreamBody,
  StructuredResponse,
  TakeoverMode,
} from './src/types'
