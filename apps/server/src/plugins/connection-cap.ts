import type { Server } from 'node:http';

/**
 * Caps the open TCP connections one address may hold, so a few clients cannot hold every socket
 * (slowloris from one machine, a runaway script). Past the cap a new connection is closed at once,
 * before a byte is read. The trusted proxies are exempt: behind one, every client shares its address.
 * Generous by default: a waiting room's phones share the hospital Wi-Fi's public address.
 */
export function capConnectionsPerAddress(server: Server, max: number, exempt: (address: string) => boolean): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (exempt(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
