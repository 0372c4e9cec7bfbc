// File answers (`{ filePath }`): the file is opened off the JavaScript
// thread, its head framed here, and the engine sends the body from the
// descriptor (sendfile on Linux).

import fs from 'node:fs'
import path from 'node:path'
import type { Dispatch } from './dispatch'
import type { HttpRequest } from './request'
import { responseHead } from './response-head'
import type { HttpResponse, StructuredResponse } from './types'
import { KIND_CLOSE, KIND_RAW } from './wire'

/** Content types by file extension, for file responses without one. */
const FILE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.xml': 'application/xml',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg', '.zip': 'application/zip',
  '.gz': 'application/gzip', '.woff2': 'font/woff2',
}

/** The default answer when a file response's file cannot be opened. */
function fileErrorAnswer(error: NodeJS.ErrnoException): StructuredResponse {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return { status: 404, body: 'Not Found\n' }
  if (error.code === 'EACCES' || error.code === 'EPERM') return { status: 403, body: 'Forbidden\n' }
  throw error
}

/**
 * Opens the file (off the JavaScript thread), queues its head and
 * descriptor, and sends them at once, while the descriptor is still open
 * (the engine keeps its own duplicate).
 */
export async function answerFile(dispatch: Dispatch, req: HttpRequest, response: HttpResponse & { filePath: string }): Promise<void> {
  let handle: fs.promises.FileHandle | undefined
  try {
    try {
      handle = await fs.promises.open(response.filePath, 'r')
      const stat = await handle.stat()
      if (!stat.isFile()) throw Object.assign(new Error(`${response.filePath} is not a file`), { code: 'EISDIR' })
      const offset = response.offset ?? 0
      const length = response.length ?? Math.max(0, stat.size - offset)
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > stat.size) {
        dispatch.answer(req, { status: 416, headers: { 'Content-Range': `bytes */${stat.size}` }, body: '' })
        dispatch.scheduleFlush()
        return
      }
      const extension = path.extname(response.filePath).toLowerCase()
      const close = response.shouldClose === true
      const head = responseHead(req, response.status ?? 200, response.headers, length, close, FILE_TYPES[extension] ?? 'application/octet-stream')
      if (process.platform === 'win32') {
        // No descriptor sharing with the engine there: read, then send bytes.
        // (For HEAD the file is not read: the engine would drop the bytes.)
        const body = Buffer.alloc(req._isHead ? 0 : length)
        if (body.length > 0) await handle.read(body, 0, length, offset)
        dispatch.writer.bytes(req, KIND_RAW | (close ? KIND_CLOSE : 0), Buffer.concat([Buffer.from(head, 'latin1'), body]))
        dispatch.scheduleFlush()
        return
      }
      dispatch.writer.file(req, close, handle.fd, offset, length, head)
      dispatch.flush()
    } catch (error) {
      if (handle === undefined || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        // The file could not be opened: the response (or the default) decides.
        const onFileError = response.onFileError ?? fileErrorAnswer
        dispatch.answer(req, await onFileError(error as NodeJS.ErrnoException))
        dispatch.scheduleFlush()
        return
      }
      throw error
    }
  } finally {
    await handle?.close()
  }
}
