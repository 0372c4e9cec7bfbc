// Socket addresses: the peer's, asked of the engine's descriptor only when
// `socket.remoteAddress` (or its kin) is read.

import { isIPv6 } from 'node:net'

import { binding } from '../binding'

export interface AddressInfo {
  address: string
  family: string
  port: number
}

/** Both ends of a connection (`getpeername`, `getsockname`), or null when it is gone. */
export function connectionAddresses(fd: number, port: number): { remote: AddressInfo; local: AddressInfo } | null {
  const addresses = binding.socketAddresses(fd)
  if (addresses === null) return null
  const peerPort = Number(addresses[1])
  // A descriptor reused by a newer connection would show another port.
  if (port !== 0 && peerPort !== port) return null
  return {
    remote: { address: addresses[0], family: isIPv6(addresses[0]) ? 'IPv6' : 'IPv4', port: peerPort },
    local: { address: addresses[2], family: isIPv6(addresses[2]) ? 'IPv6' : 'IPv4', port: Number(addresses[3]) },
  }
}

/** Whether the client of a connection has closed it (a peek); undefined when unknown. */
export function peerClosed(fd: number, port: number): boolean | undefined {
  return binding.socketPeerClosed(fd, port) ?? undefined
}
