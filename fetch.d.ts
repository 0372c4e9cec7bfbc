export { serve, toHandler, type FetchHandler, type ServeInfo, type ServeOptions, type ToHandlerOptions } from './src/fetch/handler';
