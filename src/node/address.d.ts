export interface AddressInfo {
    address: string;
    family: string;
    port: number;
}
/** Both ends of a connection (`getpeername`, `getsockname`), or null when it is gone. */
export declare function connectionAddresses(fd: number, port: number): {
    remote: AddressInfo;
    local: AddressInfo;
} | null;
/** Whether the client of a connection has closed it (a peek); undefined when unknown. */
export declare function peerClosed(fd: number, port: number): boolean | undefined;
