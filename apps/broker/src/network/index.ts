export { SocketServer, type BoundListener } from './socket-server.js';
export { Connection, type ConnectionLimits, type ConnectionStats } from './connection.js';
