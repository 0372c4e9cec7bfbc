export type { ResolvedServerConfig, ServerConfig } from './src/config';
export { HttpRequest } from './src/request';
export { RequestBodyError } from './src/request-body';
export { newServer, Server, type ServerHandle, type ShutdownOptions, type WaitOptions, type WarmUpOptions, type WarmUpResult } from './src/server';
export type { Handler, HandlerResult, HttpResponse, ResponseHeaders, ReusableConnection, Slice, StreamBody, StructuredResponse, TakeoverMode, } from './src/types';
