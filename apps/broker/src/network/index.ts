export { SocketServer, type BoundListener, type SocketSecurity } from './socket-server.js';
export { Connection, type ConnectionLimits, type ConnectionStats } from './connection.js';
