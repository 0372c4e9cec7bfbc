export { createServer, Server } from './src/node/server';
export type { ListenOptions, RequestListener, ServerOptions } from './src/node/server';
export type { AddressInfo } from './src/node/address';
export { IncomingMessage, ServerResponse, STATUS_CODES, METHODS } from 'node:http';
