import {createServer, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

/** A local HTTP server on 127.0.0.1 with a free port; closes every socket on close(). */
export async function serve(handler: (path: string, res: ServerResponse) => void): Promise<{url: string; port: number; close: () => Promise<void>}> {
	const server: Server = createServer((req, res) => handler(req.url ?? '/', res));
	const sockets = new Set<import('node:net').Socket>();
	server.on('connection', s => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}/metrics`,
		port,
		close: () => new Promise(resolve => {
			for (const s of sockets) s.destroy();
			server.close(() => resolve());
		}),
	};
}
