export interface AddressInfo {
    address: string;
    family: string;
    port: number;
}
/** The peer of a connection (`getpeername`), or null when it is gone. */
export declare function peerAddress(fd: number, port: number): AddressInfo | null;
/** Whether the client of a connection has closed it (a peek); undefined when unknown. */
export declare function peerClosed(fd: number, port: number): boolean | undefined;
