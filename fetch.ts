// fasthttp/fetch: the entry point of the Web-standard fetch adapter
// (`src/fetch/`): `toHandler(fetch)` and `serve({ fetch, ... })`.

export { serve, toHandler, type FetchHandler, type ServeInfo, type ServeOptions, type ToHandlerOptions } from './src/fetch/handler'
